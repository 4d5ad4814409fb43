/**
 * @fails half-close
 * @mistake It asks for half-open sockets (allowHalfOpen) so that it may still write after the
 *   client's FIN, then never calls end(): the client gets every byte back, but never the server's
 *   own FIN, and waits for a close that does not come.
 */
import { createServer } from 'node:net';

const server = createServer({ allowHalfOpen: true }, (socket) => {
  socket.on('error', () => {});
  socket.on('data', (chunk: Buffer) => {
    if (!socket.write(chunk)) socket.pause();
  });
  socket.on('drain', () => socket.resume());
});
server.listen(Number(process.env.PORT), process.env.HOST);
