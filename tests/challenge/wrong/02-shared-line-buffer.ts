/**
 * @fails reset-mid-request
 * @mistake It keeps one unfinished line for the whole process, not one per connection: the part
 *   of a line a client sent before it reset is glued to the front of the next client's line.
 */
import { createServer } from 'node:net';
import { answer } from './line-store.ts';

const store = new Map<string, string>();
let unfinished = '';

const server = createServer((socket) => {
  socket.on('error', () => {});
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    const lines = (unfinished + text).split('\n');
    unfinished = lines.pop() ?? '';
    for (const line of lines) socket.write(`${answer(store, line)}\n`);
  });
});
server.listen(Number(process.env.PORT), process.env.HOST);
