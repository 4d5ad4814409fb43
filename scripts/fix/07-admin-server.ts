/**
 * @title An admin console for this machine only
 * @task Answers "admin console" to every client. Only programs on this machine may reach it:
 *   nothing that arrives from another host. Port 0, or the one given; prints where it listens.
 * @run npx tsx scripts/fix/07-admin-server.ts
 */
import { type AddressInfo, createServer } from 'node:net';

const server = createServer((socket) => socket.end('admin console\n'));

server.listen(Number(process.argv[2] ?? 0), () => {
  const { address, port } = server.address() as AddressInfo;
  console.log(`listening on ${address} port ${port}`);
});
