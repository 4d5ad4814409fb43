/**
 * @title Chat room
 * @task Level 4 (TCP, lines ending in \n). The first line is the client's name: 1 to 16 letters
 *   or digits (any script's letters, Hangul too; counted in characters). Otherwise the answer is
 *   `ERROR bad name` and the server closes. A client that joins receives `* in the room: a, b`
 *   (the others, by join order; with nobody there, `* in the room: ` and the line ends); the
 *   others receive `* NAME joined`. Each later line goes to every other joined client as
 *   `[NAME] text`. When a client leaves, the others receive `* NAME left`. 20 clients at once.
 *   A client that never reads must not stall the others: the server may drop it once it holds
 *   more than 1 MiB for it.
 * @run npm run challenge -- 4
 *   (by hand: PORT=7010 npx tsx challenges/04-chat-room.ts, then nc 127.0.0.1 7010 in two shells)
 */
import { type AddressInfo, createServer, type Socket } from 'node:net';

const port = Number(process.env.PORT ?? 7010);
const host = process.env.HOST ?? '127.0.0.1';

// The joined clients and their names; a Map keeps the order they joined in.
const room = new Map<Socket, string>();

// Each 'connection' event is one accept4(): a new socket for one client.
const server = createServer((socket) => {
  socket.on('data', (chunk: Buffer) => {
    // TODO: a 'data' chunk is whatever one read() returned, not a line. The first line is the
    // name; each line after it goes to the others in the room.
    console.log(`server: read ${JSON.stringify(chunk.toString())}, room of ${room.size}`);
  });
  // TODO: when this client leaves, tell the others.
});

// listen(): socket() + bind() + listen(), on HOST only.
server.listen(port, host, () => {
  console.log(`server: listening on ${host}:${(server.address() as AddressInfo).port}`);
});
