/**
 * @fails reset-mid-request
 * @mistake It has no 'error' listener on its sockets: a client's reset makes a read fail with
 *   ECONNRESET, Node throws the unheard error, and the whole server exits.
 */
import { createServer } from 'node:net';
import { answer, onLines } from './line-store.ts';

const store = new Map<string, string>();

const server = createServer((socket) => {
  onLines(socket, (line) => socket.write(`${answer(store, line)}\n`));
});
server.listen(Number(process.env.PORT), process.env.HOST);
