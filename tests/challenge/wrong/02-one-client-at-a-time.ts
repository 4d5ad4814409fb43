/**
 * @fails many-at-once
 * @mistake It serves one client at a time: the others wait, unread, until the one being served
 *   leaves, so a client that connects and sends nothing holds up everyone behind it.
 */
import { createServer, type Socket } from 'node:net';
import { answer, onLines } from './line-store.ts';

const store = new Map<string, string>();
const waiting: Socket[] = [];

function serveFirst(): void {
  const socket = waiting[0];
  if (!socket) return;
  onLines(socket, (line) => socket.write(`${answer(store, line)}\n`));
  socket.resume();
}

const server = createServer((socket) => {
  socket.on('error', () => {});
  socket.pause();
  socket.on('close', () => {
    const served = waiting[0] === socket;
    waiting.splice(waiting.indexOf(socket), 1);
    if (served) serveFirst();
  });
  waiting.push(socket);
  if (waiting.length === 1) serveFirst();
});
server.listen(Number(process.env.PORT), process.env.HOST);
