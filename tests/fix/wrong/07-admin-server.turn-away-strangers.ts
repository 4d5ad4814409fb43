/**
 * @tries Accepts every connection, but closes at once any whose remote address is not 127.0.0.1.
 * @wrong The port is still open on every address of the machine: other hosts still connect, and
 *   the kernel completes their handshakes before the program sees them. Bound to 127.0.0.1, the
 *   socket would never have been reachable from outside.
 * @says at 192\.0\.2\.1 connected
 */
import { type AddressInfo, createServer } from 'node:net';

const server = createServer((socket) => {
  // On the wildcard socket an IPv4 peer shows as ::ffff:127.0.0.1.
  if (socket.remoteAddress?.replace(/^::ffff:/, '') !== '127.0.0.1') return void socket.destroy();
  socket.end('admin console\n');
});

server.listen(Number(process.argv[2] ?? 0), () => {
  const { address, port } = server.address() as AddressInfo;
  console.log(`listening on ${address} port ${port}`);
});
