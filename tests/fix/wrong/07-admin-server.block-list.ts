/**
 * @tries Keeps the wildcard listen() and gives createServer() a blockList of the documentation
 *   network 192.0.2.0/24, from which the outward address comes.
 * @wrong The list is checked only after the kernel has accepted the connection; the port still
 *   answers on every address, and the list names only the networks someone thought of.
 * @says at 192\.0\.2\.1 connected
 */
import { type AddressInfo, BlockList, createServer } from 'node:net';

const blockList = new BlockList();
blockList.addSubnet('192.0.2.0', 24);

const server = createServer({ blockList }, (socket) => socket.end('admin console\n'));

server.listen(Number(process.argv[2] ?? 0), () => {
  const { address, port } = server.address() as AddressInfo;
  console.log(`listening on ${address} port ${port}`);
});
