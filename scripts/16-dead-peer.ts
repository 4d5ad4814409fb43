/**
 * @title A dead peer: what a connection notices, and when
 * @concept When the peer vanishes, write() still succeeds and the kernel retransmits until
 *   tcp_retries2 gives up with ETIMEDOUT; an idle connection notices nothing until keepalive probes
 *   go unanswered; a peer that rebooted answers with a reset, ECONNRESET.
 * @notes #53-a-dead-peer-what-a-connection-notices-and-when-16-dead-peer
 * @run npx tsx scripts/16-dead-peer.ts
 * @resource https://docs.kernel.org/networking/ip-sysctl.html
 * @resource https://man7.org/linux/man-pages/man7/tcp.7.html
 * @resource https://nodejs.org/api/net.html#socketsetkeepaliveenable-initialdelay
 * @knobs RETRIES (net.ipv4.tcp_retries2 in host A; default 3, 1 to 4), ROLE (server or client),
 *   ADDRESS, PORTS (the server's two ports, for the client)
 */
import { once } from 'node:events';
import { type AddressInfo, createConnection, createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

/** Host B's program: two servers that hold every connection open and read whatever comes. */
export async function server(address: string): Promise<void> {
  for (const role of ['dies', 'reboots']) {
    // socket() + bind() + listen(); each accepted socket reads and never closes on its own.
    const listener = createServer({ allowHalfOpen: true }, (socket) => {
      socket.on('error', () => {}).resume();
    });
    listener.listen(0, address);
    await once(listener, 'listening');
    console.log(
      `server: the one that ${role} listens on port ${(listener.address() as AddressInfo).port}`,
    );
  }
}

/** Host A's program: four connections; once B is gone (a line on stdin), how does each find out? */
export async function client(address: string, [diesAt, rebootsAt]: number[]): Promise<void> {
  const sockets: Socket[] = [];
  for (const port of [diesAt, diesAt, diesAt, rebootsAt]) {
    // socket() + connect(): the handshake completes while B is still alive.
    const socket = createConnection({ host: address, port });
    await once(socket, 'connect');
    sockets.push(socket);
    console.log(`client: connection ${sockets.length} from port ${socket.localPort}`);
  }
  console.log('client: all four open; press Enter once B is gone');
  await once(createInterface({ input: process.stdin }), 'line');
  // setsockopt(SO_KEEPALIVE) on connection 2 only; with a delay of 0 the system's timers apply.
  // Set now, not at connect: its probes could otherwise end it before anyone listens for errors.
  sockets[1].setKeepAlive(true, 0);

  const start = performance.now();
  const say = (i: number, what: string) => {
    const after = ((performance.now() - start) / 1000).toFixed(1);
    console.log(`client: connection ${i + 1}: ${what} at +${after} s`);
  };
  for (const [i, socket] of sockets.entries())
    socket.on('error', (error: NodeJS.ErrnoException) => say(i, `${error.code}`));
  // write() on 1 and 4: the callback fires once A's kernel has the bytes, arrived or not.
  for (const i of [0, 3])
    sockets[i].write('hello', (error) => say(i, `write() ${error ? 'failed' : 'accepted'}`));
  // Connection 3 sends nothing and asks nothing: it waits, like the rest, until Ctrl-C.
}

export async function main(role = process.env.ROLE, address = process.env.ADDRESS): Promise<void> {
  // On two machines: ROLE=server ADDRESS=<B's address> on B; ROLE=client ADDRESS= PORTS=p1,p2 on
  // A; then unplug B, and press Enter on A.
  if (role === 'server') return server(address ?? '127.0.0.1');
  if (role === 'client')
    return client(address ?? '127.0.0.1', (process.env.PORTS ?? '').split(',').map(Number));
  console.log('lesson: this needs two hosts; in the project: npx tsx scripts/16-dead-peer.ts');
}

// As a program: inside the project, the lab beside this file runs main() and shows the kernel's
// view of each step (scripts/lab/16-dead-peer.ts). Copied alone, the lesson runs by itself.
if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  import('./lab/16-dead-peer.ts').then(
    (lab) => lab.run(),
    () => main(),
  );
}
