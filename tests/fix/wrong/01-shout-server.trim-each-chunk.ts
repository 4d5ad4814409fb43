/**
 * @tries Trims each chunk with trim() instead of removing one "\n", so stray whitespace cannot
 *   split an answer.
 * @wrong Still one answer per 'data' event: a line cut across two reads gets two answers, two
 *   lines in one read get one.
 * @says heard back HELLO, WOR where WORLD was due
 */
import { type AddressInfo, createServer } from 'node:net';

const server = createServer((socket) => {
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    socket.write(`${text.trim().toUpperCase()}\n`);
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
