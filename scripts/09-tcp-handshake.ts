/**
 * @title The 3-way handshake and a connection's states
 * @concept The kernel, not the server process, runs a TCP connection's life: it answers the SYN
 *   and reaches ESTABLISHED before accept(), and after a half-close it walks both ends through
 *   FIN_WAIT2/CLOSE_WAIT to TIME_WAIT on the side that closed first.
 * @notes #41-the-3-way-handshake-and-a-connections-states-09-tcp-handshake
 * @run npx tsx scripts/09-tcp-handshake.ts --capture
 * @resource https://man7.org/linux/man-pages/man7/tcp.7.html
 * @resource https://www.rfc-editor.org/rfc/rfc9293#section-3.3.2
 * @resource https://nodejs.org/api/net.html#socketenddata-encoding-callback
 * @resource https://www.tcpdump.org/manpages/tcpdump.1.html
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { type AddressInfo, createConnection, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export async function main(): Promise<void> {
  if (process.platform !== 'linux') return console.log('lesson: reads /proc/net/tcp: Linux only');
  // /proc/net/tcp: a row per socket, its ends in hex and its state as a number (tcp_states.h).
  const STATES = ['', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT'];
  STATES.push('CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING', 'NEW_SYN_RECV');
  const hex = (port: number) => `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const stateOf = (local: number, remote: number) => {
    const rows = readFileSync('/proc/net/tcp', 'latin1').split('\n');
    const row = rows.find((line) => line.includes(`: ${hex(local)} ${hex(remote)} `));
    return row ? STATES[Number.parseInt(row.trim().split(' ')[3], 16)] : 'no socket';
  };

  // listen() with backlog 1: the kernel queues at most 2 finished handshakes for accept().
  const server = createServer({ allowHalfOpen: true });
  server.listen({ port: 0, host: '127.0.0.1', backlog: 1 });
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  console.log(`server: listening on 127.0.0.1:${port} with backlog 1`);
  const ends = (from: number) => `client ${stateOf(from, port)}, server ${stateOf(port, from)}`;
  const sockets: Socket[] = []; // what accept4() returns, in the event loop
  server.on('connection', (socket: Socket) => sockets.push(socket));

  // Three connect()s, made on the next tick. This process does not go back to its event loop
  // before the lines below are printed, so nothing has called accept() yet.
  const clients = [1, 2, 3].map(() => createConnection({ port, host: '127.0.0.1' }));
  await new Promise((connected) => process.nextTick(connected));
  const ports = clients.map((client) => client.localPort!);
  const until = Date.now() + 2000; // the kernel answers on loopback at once; this spin is a bound
  while (Date.now() < until && ends(ports[1]) !== 'client ESTABLISHED, server ESTABLISHED');
  for (const [i, from] of ports.entries()) console.log(`client ${i + 1}: ${ends(from)}`);
  for (const client of clients.slice(1)) client.destroy();

  // Back in the event loop, accept4() takes the queued connections; the first one carries data.
  const [client, clientPort] = [clients[0], ports[0]];
  const [accepted] = (await once(server, 'connection')) as [Socket];
  client.write('hello');
  console.log(`server: accept(), read "${(await once(accepted, 'data'))[0]}"; ${ends(clientPort)}`);
  // Waits for the kernel to reach a step (a delayed ACK may hold one back some milliseconds).
  const reach = async (wanted: string) => {
    for (let tries = 0; tries < 200 && ends(clientPort) !== wanted; tries++) await sleep(10);
    return ends(clientPort);
  };
  // end() is shutdown(SHUT_WR): a FIN. The server reads end-of-file and does not close yet.
  client.end();
  await once(accepted, 'end');
  console.log(`client: end(); ${await reach('client FIN_WAIT2, server CLOSE_WAIT')}`);
  // The server's end() sends its FIN; the side that closed first keeps the pair in TIME_WAIT.
  accepted.end();
  await Promise.all([once(client, 'close'), once(accepted, 'close')]);
  console.log(`server: end(); ${await reach('client TIME_WAIT, server no socket')}`);
  console.log('kernel: the client end stays in TIME_WAIT (60 s) after this program exits');
  server.close();
  for (const socket of sockets) socket.destroy(); // client 2's, closed by its client already
}

// As a program: inside the project, the lab beside this file runs main() and shows the kernel's
// view of each step (scripts/lab/09-tcp-handshake.ts). Copied alone, the lesson runs by itself.
if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  import('./lab/09-tcp-handshake.ts').then(
    (lab) => lab.run(),
    () => main(),
  );
}
