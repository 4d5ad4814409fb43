/**
 * @tries Turns off Nagle's algorithm (setNoDelay), taking the joined and cut lines for something
 *   the sender's kernel does on the way.
 * @wrong Nagle only changes when the sender's segments leave. The reader still gets whatever bytes
 *   have arrived per read(), and nothing in TCP marks where a line ends.
 * @says heard back HELLO, WOR where WORLD was due
 */
import { type AddressInfo, createServer } from 'node:net';

const server = createServer((socket) => {
  socket.setNoDelay(true);
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    const line = text.replace(/\n$/, '');
    socket.write(`${line.toUpperCase()}\n`);
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
