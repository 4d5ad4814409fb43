/**
 * @fails shared-store
 * @mistake It makes its store inside the connection handler: every client gets a store of its
 *   own, and a value set on one connection is NONE on another.
 */
import { createServer } from 'node:net';
import { answer, onLines } from './line-store.ts';

const server = createServer((socket) => {
  const store = new Map<string, string>();
  socket.on('error', () => {});
  onLines(socket, (line) => socket.write(`${answer(store, line)}\n`));
});
server.listen(Number(process.env.PORT), process.env.HOST);
