/**
 * @tries Calls unref() on each socket once it has answered, so that a finished connection no
 *   longer holds anything.
 * @wrong unref() only tells the event loop not to wait for the socket before the process exits.
 *   The connection stays half-open and its descriptor stays taken.
 * @says client \d+ of 96 heard nothing
 */
import { type AddressInfo, createServer } from 'node:net';

const server = createServer({ allowHalfOpen: true }, (socket) => {
  let name = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    name += chunk;
  });
  socket.on('end', () => {
    socket.write(`hello, ${name.trim()}\n`);
    socket.unref();
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
