/**
 * @fails coalesced
 * @mistake It collects reads until it holds a whole frame, answers that frame, and throws away
 *   whatever came after it: frames that arrive together get one answer.
 */
import { createServer } from 'node:net';
import { reversedFrame } from './frames.ts';

const server = createServer((socket) => {
  socket.on('error', () => {});
  let chunks: Buffer[] = [];
  let held = 0;
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    held += chunk.length;
    // Each chunk holds a byte at least: the first four hold the header.
    const start = Buffer.concat(chunks.slice(0, 4));
    if (held < 4 || start.length < 4 || held < 4 + start.readUInt32BE(0)) return;
    const frame = Buffer.concat(chunks);
    chunks = [];
    held = 0;
    if (!socket.write(reversedFrame(frame.subarray(4, 4 + frame.readUInt32BE(0))))) socket.pause();
  });
  socket.on('drain', () => socket.resume());
});
server.listen(Number(process.env.PORT), process.env.HOST);
