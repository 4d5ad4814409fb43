/**
 * @tries Closes a connection that has been idle for ten seconds (setTimeout), so that forgotten
 *   connections do not pile up.
 * @wrong Ten seconds is long for a server with many clients: every connection still waits out the
 *   timer half-open, holding its descriptor, when the server could end its side at once.
 * @says client \d+ of 96 heard nothing
 */
import { type AddressInfo, createServer } from 'node:net';

const IDLE_MS = 10_000;

const server = createServer({ allowHalfOpen: true }, (socket) => {
  let name = '';
  socket.setEncoding('utf8');
  socket.setTimeout(IDLE_MS, () => socket.destroy());
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
