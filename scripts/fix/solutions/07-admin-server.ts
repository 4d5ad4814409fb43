/**
 * @title An admin console for this machine only (solution)
 * @task Answers "admin console" to every client. Only programs on this machine may reach it:
 *   nothing that arrives from another host. Port 0, or the one given; prints where it listens.
 */
import { type AddressInfo, createServer } from 'node:net';

const server = createServer((socket) => socket.end('admin console\n'));

// Without a host, listen() takes every address of the machine, those other hosts reach it by too.
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const { address, port } = server.address() as AddressInfo;
  console.log(`listening on ${address} port ${port}`);
});
