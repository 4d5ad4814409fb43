/**
 * @title Length-prefixed frames, reversed
 * @task Level 3 (TCP). A frame is a 4-byte big-endian length, then that many bytes (0 to 1 MiB).
 *   Each frame is answered with a frame holding the same bytes in reverse order. Headers and
 *   payloads arrive cut anywhere, frames arrive coalesced, and a 0-length frame is valid. A
 *   client that sends 64 frames of 1 MiB without reading must not grow the server's memory
 *   without bound.
 * @run npm run challenge -- 3
 *   (by hand: PORT=7009 npx tsx challenges/03-reversed-frames.ts)
 */
import { type AddressInfo, createServer } from 'node:net';

const port = Number(process.env.PORT ?? 7009);
const host = process.env.HOST ?? '127.0.0.1';

/** The answer to one frame's payload: a frame of the same bytes, reversed. */
function answer(payload: Buffer): Buffer {
  const frame = Buffer.alloc(4 + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  // TODO: the payload's bytes, last first.
  return frame;
}

const server = createServer((socket) => {
  socket.on('data', (chunk: Buffer) => {
    // TODO: a chunk is whatever read() returned, not a frame: find the frames in the stream.
    console.log(`server: read ${chunk.length} bytes`);
  });
  void answer;
});

server.listen(port, host, () => {
  console.log(`server: listening on ${host}:${(server.address() as AddressInfo).port}`);
});
