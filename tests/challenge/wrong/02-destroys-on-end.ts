/**
 * @fails half-close
 * @mistake It destroys the socket as soon as the client's FIN arrives ('end'): the answers it has
 *   queued but not yet handed to the kernel are thrown away.
 */
import { createServer } from 'node:net';
import { answer, onLines } from './line-store.ts';

const store = new Map<string, string>();

const server = createServer((socket) => {
  socket.on('error', () => {});
  onLines(socket, (line) => socket.write(`${answer(store, line)}\n`));
  socket.on('end', () => socket.destroy());
});
server.listen(Number(process.env.PORT), process.env.HOST);
