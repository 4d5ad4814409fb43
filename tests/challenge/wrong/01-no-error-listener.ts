/**
 * @fails reset-mid-request
 * @mistake It has no 'error' listener on its sockets: a client's reset makes a read fail with
 *   ECONNRESET, Node throws the unheard error, and the whole server exits.
 */
import { createServer } from 'node:net';

const server = createServer((socket) => {
  socket.pipe(socket);
});
server.listen(Number(process.env.PORT), process.env.HOST);
