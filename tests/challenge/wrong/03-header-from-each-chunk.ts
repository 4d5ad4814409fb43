/**
 * @fails cut-at-every-byte
 * @mistake It reads a header from the start of every chunk that does not continue a payload:
 *   payloads may span reads, and frames may share one, but a header cut between two reads is
 *   misread (here: the 1 to 3 bytes of a cut header are dropped).
 */
import { createServer } from 'node:net';
import { reversedFrame } from './frames.ts';

const server = createServer((socket) => {
  socket.on('error', () => {});
  let payload: Buffer[] = [];
  let missing = -1;
  socket.on('data', (chunk: Buffer) => {
    let rest = chunk;
    while (rest.length > 0) {
      if (missing < 0) {
        if (rest.length < 4) return;
        missing = rest.readUInt32BE(0);
        rest = rest.subarray(4);
        payload = [];
      }
      const taken = rest.subarray(0, missing);
      payload.push(taken);
      missing -= taken.length;
      rest = rest.subarray(taken.length);
      if (missing > 0) return;
      missing = -1;
      if (!socket.write(reversedFrame(Buffer.concat(payload)))) socket.pause();
    }
  });
  socket.on('drain', () => socket.resume());
});
server.listen(Number(process.env.PORT), process.env.HOST);
