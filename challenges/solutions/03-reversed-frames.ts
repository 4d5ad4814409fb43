/**
 * @title Length-prefixed frames, reversed (solution)
 * @task Level 3 (TCP). A frame is a 4-byte big-endian length, then that many bytes (0 to 1 MiB).
 *   Each frame is answered, in order, with a frame holding the same bytes in reverse order. Headers
 *   and payloads arrive cut anywhere, frames arrive coalesced, and a 0-length frame is valid. A
 *   client that sends 64 frames of 1 MiB without reading must not grow the server's peak memory
 *   (VmHWM, garbage not yet collected included) by more than 48 MiB; the server may drop it. 10
 *   clients are answered at once while a silent client holds a connection. A client that resets
 *   mid-frame costs that connection only.
 * @run npm run challenge -- 3 challenges/solutions/03-reversed-frames.ts
 */
import { type AddressInfo, createServer } from 'node:net';

const port = Number(process.env.PORT ?? 7009);
const host = process.env.HOST ?? '127.0.0.1';
const HEADER = 4;

/** The answer to one frame's payload: a frame of the same bytes, reversed. */
function answer(payload: Buffer): Buffer {
  const frame = Buffer.alloc(HEADER + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, HEADER);
  frame.subarray(HEADER).reverse();
  return frame;
}

const server = createServer((socket) => {
  // The length of the frame whose payload we wait for; undefined while we wait for a header.
  let length: number | undefined;
  // read(n) returns n bytes once that many have arrived, whatever the reads that brought them,
  // and null until then: a cut header or payload waits inside the socket's buffer.
  const answerFrames = () => {
    // While the kernel's send buffer for this client is full, read nothing more: 'drain' resumes.
    while (!socket.writableNeedDrain) {
      if (length === undefined) {
        const header: Buffer | null = socket.read(HEADER);
        if (header === null) return;
        length = header.readUInt32BE(0);
      }
      const payload: Buffer | null = length === 0 ? Buffer.alloc(0) : socket.read(length);
      if (payload === null) return;
      length = undefined;
      socket.write(answer(payload));
    }
  };
  socket.on('readable', answerFrames);
  socket.on('drain', answerFrames);
  // A client's reset fails the next read with ECONNRESET; unheard, it would end the process.
  socket.on('error', (error) => console.log(`server: ${error.message}`));
});

server.listen(port, host, () => {
  console.log(`server: listening on ${host}:${(server.address() as AddressInfo).port}`);
});
