/**
 * @title Line key-value store
 * @task Level 2 (TCP). A request is a line ending in \n, of up to 64 KiB, and each gets one
 *   answer line, in order. `SET key value` answers `OK`: the key is one word, the value is the
 *   rest of the line. `GET key` answers `VALUE value`, or `NONE` if the key was never set.
 *   Anything else answers `ERROR unknown command`. One store is shared by all clients. Requests
 *   may arrive cut at any byte, and several may come in one write. (This level's checker has no
 *   client that never reads; levels 1, 3 and 4 have one.)
 * @run npm run challenge -- 2
 *   (by hand: PORT=7008 npx tsx challenges/02-line-store.ts, then nc 127.0.0.1 7008)
 */
import { type AddressInfo, createServer } from 'node:net';

const port = Number(process.env.PORT ?? 7008);
const host = process.env.HOST ?? '127.0.0.1';

/** The answer to one request line, without its \n. */
function answer(line: string): string {
  // TODO: `SET key value` → OK; `GET key` → VALUE value, or NONE.
  console.log(`server: request ${JSON.stringify(line)}`);
  return 'ERROR unknown command';
}

const server = createServer((socket) => {
  socket.on('data', (chunk: Buffer) => {
    // TODO: a 'data' chunk is whatever read() returned: part of a line, or several lines.
    socket.write(`${answer(chunk.toString())}\n`);
  });
});

server.listen(port, host, () => {
  console.log(`server: listening on ${host}:${(server.address() as AddressInfo).port}`);
});
