/**
 * @tries Keeps the unfinished end of a chunk for the next read, but answers only the first whole
 *   line it has.
 * @wrong The cut line is now mended, yet a read that holds two lines loses the second: a read
 *   holds any number of lines.
 * @says heard back HELLO, WORLD, ONE, \(nothing\) where TWO was due
 */
import { type AddressInfo, createServer } from 'node:net';

const server = createServer((socket) => {
  let unfinished = '';
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    const lines = (unfinished + text).split('\n');
    unfinished = lines.pop()!;
    if (lines.length > 0) socket.write(`${lines[0].toUpperCase()}\n`);
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
