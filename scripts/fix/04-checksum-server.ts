/**
 * @title A server that answers once the client has finished
 * @task A client sends some bytes and half-closes (end()); the server answers with the SHA-256 of
 *   everything it received, in hex, then closes. Listens on 127.0.0.1 (port 0, or the one given).
 * @run npx tsx scripts/fix/04-checksum-server.ts   then: printf hello | nc -N 127.0.0.1 PORT
 */
import { type AddressInfo, createServer } from 'node:net';

const server = createServer((socket) => {
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
