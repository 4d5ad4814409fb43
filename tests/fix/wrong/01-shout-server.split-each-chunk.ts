/**
 * @tries Splits each chunk at "\n" and answers every piece: two lines in one read now get two
 *   answers.
 * @wrong Half the fix. The piece after the last "\n" is the start of a line still on its way, and
 *   it is answered as if it were whole instead of kept for the next read.
 * @says heard back HELLO, WOR where WORLD was due
 */
import { type AddressInfo, createServer } from 'node:net';

const server = createServer((socket) => {
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    for (const line of text.split('\n')) if (line !== '') socket.write(`${line.toUpperCase()}\n`);
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
