/**
 * @fails never-reads
 * @mistake It writes back every chunk without looking at what write() returns: when the client
 *   does not read, the echo piles up in the server's own memory instead of pausing the reads.
 */
import { createServer } from 'node:net';

const server = createServer((socket) => {
  socket.on('error', () => {});
  socket.on('data', (chunk: Buffer) => socket.write(chunk));
});
server.listen(Number(process.env.PORT), process.env.HOST);
