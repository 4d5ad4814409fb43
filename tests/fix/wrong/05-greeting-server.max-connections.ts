/**
 * @tries Caps the server at 16 connections (maxConnections), below the descriptor limit, so that
 *   it never runs out.
 * @wrong The cap keeps the descriptors, but the connections it counts never end: once 16 clients
 *   have been greeted, Node closes every new one unanswered.
 * @says client 17 of 96 heard nothing
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
  });
});
server.maxConnections = 16;

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
