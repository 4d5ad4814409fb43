/**
 * @title One process, one thread, many sockets
 * @concept A server holds one socket per client and one thread serves them all: the kernel's
 *   epoll tells the event loop which socket is ready; backpressure keeps a slow reader from
 *   filling memory; at the descriptor limit libuv sheds connections instead of failing.
 * @notes #26-one-process-one-thread-many-clients-12-many-clients
 * @run npx tsx scripts/12-many-clients.ts
 * @resource https://nodejs.org/api/net.html#socketwritedata-encoding-callback
 * @resource https://man7.org/linux/man-pages/man7/epoll.7.html
 * @resource https://man7.org/linux/man-pages/man2/accept.2.html
 * @knobs CLIENTS (concurrent connections; default 1000), BYTES (each client's message; default 256)
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createConnection, createServer, type Socket } from 'node:net';

/** One client, on the server's side: read() and write() it back. write() says false once more
 * than highWaterMark waits in this process: stop reading until 'drain' (the kernel took it). */
export function echo(socket: Socket): void {
  socket.on('data', (chunk) => {
    if (!socket.write(chunk)) socket.pause().once('drain', () => socket.resume());
  });
  socket.on('error', () => socket.destroy());
}

/** The clients' process (this file again, role "clients"): all the connections at once. */
async function clients(...[port, count, bytes]: number[]): Promise<void> {
  // socket() + connect() for all at once: the kernel completes each handshake and queues it for
  // the server's accept4(), up to its backlog.
  const connect = () => createConnection({ host: '127.0.0.1', port });
  const sockets = Array.from({ length: count }, connect);
  await Promise.all(sockets.map((socket) => once(socket, 'connect')));
  // write() each client's own bytes, and read() until as many came back: the same ones?
  const echoes = sockets.map(async (socket, i) => {
    const sent = Buffer.alloc(bytes, `client ${i};`);
    socket.write(sent);
    let heard = Buffer.alloc(0);
    while (heard.length < bytes) heard = Buffer.concat([heard, ...(await once(socket, 'data'))]);
    return heard.equals(sent);
  });
  process.send?.({ exact: (await Promise.all(echoes)).filter(Boolean).length });
  // Every connection stays open until the server's process has counted them; exit() closes all.
  process.once('message', () => process.exit());
}

const { CLIENTS = '1000', BYTES = '256' } = process.env;
export async function main(count = Number(CLIENTS), bytes = Number(BYTES)): Promise<void> {
  // socket() + bind() + listen(backlog 1024); each 'connection' is one accept4(), on this thread.
  const server = createServer(echo);
  server.listen({ host: '127.0.0.1', port: 0, backlog: 1024 });
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  console.log(`server: pid ${process.pid} on 127.0.0.1:${port}; its JavaScript runs on one thread`);

  // The clients, in a process of their own: 10,000 connections' two ends take 20,000 descriptors.
  const child = fork(import.meta.filename, ['clients', `${port}`, `${count}`, `${bytes}`]);
  const [{ exact }] = await once(child, 'message');
  console.log(`clients: pid ${child.pid}: ${exact} of ${count} heard their ${bytes} bytes back`);

  // epoll tells this thread which sockets are ready, so none waits for another.
  const open = await new Promise((done) => server.getConnections((_, open) => done(open)));
  console.log(`server: ${open} connections open at once, one thread serving them all`);

  // close(): the clients go; each accepted socket reads their FIN and closes, then the listener.
  child.send('close');
  await Promise.all([once(child, 'exit'), new Promise((done) => server.close(done))]);
  console.log("server: closed; every connection and the clients' process are gone");
}

// As a program: in the project, the lab beside this file runs main() and shows the kernel's view
// (scripts/lab/12-many-clients.ts); copied alone, it runs by itself. The clients are this file.
if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  if (process.argv[2] === 'clients') clients(...process.argv.slice(3).map(Number));
  else
    import('./lab/12-many-clients.ts').then(
      (lab) => lab.run(),
      () => main(),
    );
}
