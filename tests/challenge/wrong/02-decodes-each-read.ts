/**
 * @fails cut-at-every-byte
 * @mistake It turns each read into text on its own (`chunk.toString()`): a character that UTF-8
 *   writes in three bytes, cut between two reads, becomes two broken halves (U+FFFD) in the value.
 */
import { createServer } from 'node:net';
import { answer } from './line-store.ts';

const store = new Map<string, string>();

const server = createServer((socket) => {
  socket.on('error', () => {});
  let unfinished = '';
  socket.on('data', (chunk: Buffer) => {
    const lines = (unfinished + chunk.toString()).split('\n');
    unfinished = lines.pop() ?? '';
    for (const line of lines) socket.write(`${answer(store, line)}\n`);
  });
});
server.listen(Number(process.env.PORT), process.env.HOST);
