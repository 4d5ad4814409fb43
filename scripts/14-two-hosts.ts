/**
 * @title Two hosts: an address belongs to a host's interface
 * @concept An IP address names an interface of one host: a client's source address is its own
 *   host's, chosen by the route; a server bound to its host's address is reached only there; and
 *   each host keeps its own socket tables.
 * @notes #51-two-hosts-an-address-belongs-to-an-interface-14-two-hosts
 * @run npx tsx scripts/14-two-hosts.ts
 * @resource https://man7.org/linux/man-pages/man7/ip.7.html
 * @resource https://man7.org/linux/man-pages/man8/ip-route.8.html
 * @resource https://man7.org/linux/man-pages/man7/network_namespaces.7.html
 * @knobs ROLE (server or client: one host's program; unset, both on this machine), ADDRESS, PORT
 */
import { once } from 'node:events';
import { type AddressInfo, createConnection, createServer, type Server } from 'node:net';

/** Host B's program: a server on one of B's addresses, telling each client both ends it saw. */
export async function server(address: string): Promise<Server> {
  // socket() + bind(address, port 0) + listen(): reachable at this address and at no other.
  const listener = createServer((socket) => {
    // accept4(): the new socket's local end is B's address, its remote end the client's own.
    const { localAddress, localPort, remoteAddress, remotePort } = socket;
    console.log(`server: accepted ${remoteAddress} port ${remotePort}`);
    socket.end(`${remoteAddress} port ${remotePort}, at ${localAddress} port ${localPort}`);
  });
  listener.listen(0, address);
  await once(listener, 'listening');
  console.log(`server: listening on ${address} port ${(listener.address() as AddressInfo).port}`);
  return listener;
}

/** Host A's program: connect() with no bind(), and say which source address the kernel chose. */
export async function client(address: string, port: number): Promise<void> {
  // socket() + connect(): the route to `address` names the interface, and its address is ours.
  const socket = createConnection({ host: address, port }).setEncoding('utf8');
  try {
    await once(socket, 'connect');
    const { localAddress, localPort } = socket;
    const [saw] = await once(socket, 'data');
    console.log(`client: connected from ${localAddress} port ${localPort}; the server saw ${saw}`);
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    console.log(`client: connect() to ${address} port ${port}: ${code}`);
  } finally {
    socket.destroy();
  }
}

export async function main(role = process.env.ROLE, address = process.env.ADDRESS): Promise<void> {
  // On two machines: ROLE=server ADDRESS=<B's address> on B, then ROLE=client ADDRESS= PORT= on A.
  if (role === 'server') {
    await server(address ?? '127.0.0.1');
    return;
  }
  if (role === 'client') return client(address ?? '127.0.0.1', Number(process.env.PORT));
  // On one machine: both programs on loopback, then the same port at another loopback address.
  const listener = await server('127.0.0.1');
  const { port } = listener.address() as AddressInfo;
  await client('127.0.0.1', port);
  await client('127.0.0.2', port);
  listener.close();
  console.log('lesson: two hosts need namespaces: in the project, npx tsx scripts/14-two-hosts.ts');
}

// As a program: inside the project, the lab beside this file runs main() and shows the kernel's
// view of each step (scripts/lab/14-two-hosts.ts). Copied alone, the lesson runs by itself.
if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  import('./lab/14-two-hosts.ts').then(
    (lab) => lab.run(),
    () => main(),
  );
}
