/**
 * @tries Listens with exclusive: true, so that no other process shares the port.
 * @wrong exclusive is about cluster workers sharing a listening handle, not about who may
 *   connect: the socket still takes every address of the machine.
 * @says at 192\.0\.2\.1 (answered|connected)
 */
import { type AddressInfo, createServer } from 'node:net';

const server = createServer((socket) => socket.end('admin console\n'));

server.listen({ port: Number(process.argv[2] ?? 0), exclusive: true }, () => {
  const { address, port } = server.address() as AddressInfo;
  console.log(`listening on ${address} port ${port}`);
});
