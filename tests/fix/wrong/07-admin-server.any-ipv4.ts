/**
 * @tries Gives listen() the host 0.0.0.0, taking it for "this machine".
 * @wrong 0.0.0.0 is the wildcard: every IPv4 address of the machine, the outward ones included.
 *   Only 127.0.0.1 (or ::1) is this machine alone.
 * @says listening on 0\.0\.0\.0 .* at 192\.0\.2\.1 (answered|connected)
 */
import { type AddressInfo, createServer } from 'node:net';

const server = createServer((socket) => socket.end('admin console\n'));

server.listen(Number(process.argv[2] ?? 0), '0.0.0.0', () => {
  const { address, port } = server.address() as AddressInfo;
  console.log(`listening on ${address} port ${port}`);
});
