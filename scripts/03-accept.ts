/**
 * @title accept() gives every client a socket of its own
 * @concept The server flow is socket → bind → listen → accept, and every accept returns a new
 *   connected socket on the listener's port while the listening socket itself never carries a byte.
 * @notes #22-accept-gives-every-client-its-own-socket-03-accept
 * @run npx tsx scripts/03-accept.ts
 * @resource https://nodejs.org/api/net.html#event-connection
 * @resource https://man7.org/linux/man-pages/man2/accept.2.html
 * @knobs CLIENTS (how many clients connect; default 3)
 */
import { once } from 'node:events';
import { type AddressInfo, createConnection, createServer, type Socket } from 'node:net';

export async function main(clientCount = Number(process.env.CLIENTS ?? 3)): Promise<void> {
  // socket() + bind() + listen(): Node makes all three calls inside server.listen().
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  console.log(`server: listening on 127.0.0.1:${port}`);

  // accept(): when a finished handshake waits in the queue, libuv calls accept4() and hands us
  // the NEW socket it returned. The listener only hands out connections; bytes go on the new one.
  server.on('connection', (socket) => {
    const { localPort, remotePort } = socket;
    console.log(`server: accept() -> a new socket on port ${localPort}, facing port ${remotePort}`);
    // read() what this client sent, write() it back: an echo, on this client's socket only.
    socket.on('data', (bytes) => socket.write(bytes));
  });

  const clients: Socket[] = [];
  for (let i = 1; i <= clientCount; i++) {
    // The client's socket() + connect(): the kernel picks it a source port of its own.
    const client = createConnection({ host: '127.0.0.1', port });
    clients.push(client);
    await once(client, 'connect');
    // write() on the client's socket, then read() the echo on the same connection.
    client.setEncoding('utf8').write(`hello from client ${i}`);
    const [echo] = await once(client, 'data');
    console.log(`client ${i}: from port ${client.localPort}, heard back "${echo}"`);
  }

  // close(): end() is shutdown(SHUT_WR), a FIN; the server's side answers with its own and
  // closes. server.close() stops listening and calls back once every accepted socket is gone.
  for (const client of clients) client.end();
  await new Promise((done) => server.close(done));
  console.log(`server: closed; all ${clientCount} connections and the listener are gone`);
}

// As a program: inside the project, the lab beside this file runs main() and shows the kernel's
// view of each step (scripts/lab/03-accept.ts). Copied alone, the lesson runs by itself.
if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  import('./lab/03-accept.ts').then(
    (lab) => lab.run(),
    () => main(),
  );
}
