/**
 * @title A server that answers once the client has finished (solution)
 * @task A client sends some bytes and half-closes (end()); the server answers with the SHA-256 of
 *   everything it received, in hex, then closes. Listens on 127.0.0.1 (port 0, or the one given).
 */
import { type AddressInfo, createServer } from 'node:net';

// By default Node ends our side right after the client's FIN arrives; our answer comes later.
const server = createServer({ allowHalfOpen: true }, (socket) => {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('end', async () => {
    const digest = await crypto.subtle.digest('SHA-256', Buffer.concat(chunks));
    socket.end(`${Buffer.from(digest).toString('hex')}\n`);
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
