/**
 * @title What listen(backlog) bounds: the accept queue
 * @concept listen(backlog) bounds the queue of connections the kernel has already completed and
 *   that wait for accept(); on Linux it holds backlog + 1, and a SYN that finds it full is
 *   dropped, not refused.
 * @notes #23-what-listenbacklog-bounds-04-listen-backlog
 * @run npx tsx scripts/04-listen-backlog.ts
 * @resource https://man7.org/linux/man-pages/man2/listen.2.html
 * @resource https://man7.org/linux/man-pages/man7/tcp.7.html
 * @resource https://nodejs.org/api/net.html#serverlistenoptions-callback
 * @knobs BACKLOG (the listen() backlog; default 3), EXTRA (clients beyond the queue; default 2,
 *   at most BACKLOG + 1)
 */
import { once } from 'node:events';
import { type AddressInfo, createConnection, createServer, type Socket } from 'node:net';

/** A dropped SYN is sent again when the client's retransmission timer fires: 1 s at first. */
const SYN_RETRANSMISSION_MS = 1000;

export async function main(
  backlog = Number(process.env.BACKLOG ?? 3),
  extra = Number(process.env.EXTRA ?? 2),
): Promise<void> {
  // socket() + bind() + listen(backlog): from here on the kernel completes handshakes by itself
  // and queues them for accept(). On Linux the queue is full once it holds backlog + 1.
  const server = createServer();
  server.listen({ host: '127.0.0.1', port: 0, backlog });
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const clientCount = backlog + 1 + extra;
  console.log(`server: listening on 127.0.0.1:${port} with backlog ${backlog}`);

  // 'connection' is one accept4(). libuv calls it only when the event loop turns, so the clients
  // below, which all call connect() before it turns, meet a queue nobody has taken from yet.
  const clients: Socket[] = [];
  const acceptOrder: number[] = [];
  const allAccepted = new Promise<void>((done) =>
    server.on('connection', (socket) => {
      acceptOrder.push(clients.findIndex((client) => client.localPort === socket.remotePort) + 1);
      if (acceptOrder.length === clientCount) done();
    }),
  );

  // socket() + connect() for every client in this same turn. The kernel completes the first
  // backlog + 1 handshakes at once; it drops the next SYNs without an answer (no RST, so no
  // ECONNREFUSED), and each of those clients sends its SYN again when its timer fires.
  console.log(`client: ${clientCount} clients call connect() before the server can accept()`);
  const startedAt = performance.now();
  for (let i = 1; i <= clientCount; i++) {
    const client = createConnection({ host: '127.0.0.1', port });
    clients.push(client);
    client.on('connect', () => {
      const after = Math.round(performance.now() - startedAt);
      const how =
        after < SYN_RETRANSMISSION_MS
          ? 'at once: the kernel queued its handshake'
          : 'its first SYN was dropped; the SYN retransmission timer (1 s) resent it';
      console.log(`client ${i}: connected from port ${client.localPort} after ${after} ms, ${how}`);
    });
  }
  await Promise.all([allAccepted, ...clients.map((client) => once(client, 'connect'))]);
  console.log(`server: accept() took clients ${acceptOrder.join(', ')}, in that order`);

  // end() is shutdown(SHUT_WR); the accepted sockets answer with their own FIN and close, and
  // server.close() calls back once the listener and all of them are gone.
  for (const client of clients) client.end();
  await new Promise((done) => server.close(done));
  console.log(`server: closed; none of the ${clientCount} clients was refused`);
}

// As a program: inside the project, the lab beside this file runs main() and shows the kernel's
// view of each step (scripts/lab/04-listen-backlog.ts). Copied alone, the lesson runs by itself.
if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  import('./lab/04-listen-backlog.ts').then(
    (lab) => lab.run(),
    () => main(),
  );
}
