/**
 * @fails cut-at-every-byte
 * @mistake It answers every whole line in a 'data' chunk but drops what follows the last \n, as
 *   if a read always ended where a line ends: a line cut between two reads is lost.
 */
import { createServer } from 'node:net';
import { answer } from './line-store.ts';

const store = new Map<string, string>();

const server = createServer((socket) => {
  socket.on('error', () => {});
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    const lines = text.split('\n');
    lines.pop();
    for (const line of lines) socket.write(`${answer(store, line)}\n`);
  });
});
server.listen(Number(process.env.PORT), process.env.HOST);
