/**
 * @fails coalesced
 * @mistake It takes what it has read, once it ends in \n, for one request: it waits for the end
 *   of a line, but two requests that arrive in one read become one request.
 */
import { createServer } from 'node:net';
import { answer } from './line-store.ts';

const store = new Map<string, string>();

const server = createServer((socket) => {
  socket.on('error', () => {});
  let request = '';
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    request += text;
    if (!request.endsWith('\n')) return;
    socket.write(`${answer(store, request.slice(0, -1))}\n`);
    request = '';
  });
});
server.listen(Number(process.env.PORT), process.env.HOST);
