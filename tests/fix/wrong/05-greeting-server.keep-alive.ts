/**
 * @tries Turns on TCP keepalive, so that the kernel finds and closes connections whose client has
 *   gone.
 * @wrong The clients have not gone: they half-closed and wait for the server's FIN. Keepalive
 *   probes are answered, and even unanswered they take minutes; the descriptors run out first.
 * @says client \d+ of 96 heard nothing
 */
import { type AddressInfo, createServer } from 'node:net';

const server = createServer({ allowHalfOpen: true, keepAlive: true }, (socket) => {
  let name = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    name += chunk;
  });
  socket.on('end', () => {
    socket.write(`hello, ${name.trim()}\n`);
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
