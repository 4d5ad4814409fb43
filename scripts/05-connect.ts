/**
 * @title connect() from the client's side
 * @concept The client flow is socket → connect → write/read: connect() takes an ephemeral source
 *   port unless the socket was bound first, fails at once with ECONNREFUSED when nothing listens,
 *   and waits in SYN_SENT when its SYN goes unanswered, until a timer (the application's or the
 *   kernel's) ends it.
 * @notes #24-connect-from-the-clients-side-05-connect
 * @run npx tsx scripts/05-connect.ts
 * @resource https://nodejs.org/api/net.html#netcreateconnectionoptions-connectlistener
 * @resource https://man7.org/linux/man-pages/man2/connect.2.html
 * @resource https://docs.kernel.org/networking/ip-sysctl.html
 * @knobs ROUNDS (request/response round trips on one connection; default 3), CONNECT_TIMEOUT_MS
 *   (the client's connect timer; default 300)
 */
import { once } from 'node:events';
import { type AddressInfo, createConnection, createServer } from 'node:net';
import { createInterface } from 'node:readline';

export async function main(rounds = Number(process.env.ROUNDS ?? 3)): Promise<void> {
  // The server to talk to: socket() + bind() + listen(). It answers each "ping N" with "pong N".
  const server = createServer((socket) => {
    createInterface({ input: socket }).on('line', (line) => {
      const reply = line.replace('ping', 'pong');
      console.log(`server: read "${line}" from port ${socket.remotePort}, write "${reply}"`);
      socket.write(`${reply}\n`);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  console.log(`server: listening on 127.0.0.1:${port}`);

  // socket() + connect() in one call. No bind() first, so connect() takes the source address
  // from the route and a free source port from the ephemeral range (ip_local_port_range).
  const client = createConnection({ host: '127.0.0.1', port });
  await once(client, 'connect');
  console.log(`client: connected from ${client.localAddress}:${client.localPort}, never bound`);

  // write() a request, then read() the reply: ROUNDS times on this one connection. TCP is a byte
  // stream, so both sides cut it into lines (readline) to find where each message ends.
  const replies = createInterface({ input: client })[Symbol.asyncIterator]();
  for (let round = 1; round <= rounds; round++) {
    const wroteAt = performance.now();
    client.write(`ping ${round}\n`);
    const { value: reply } = await replies.next();
    const micros = Math.round((performance.now() - wroteAt) * 1000);
    console.log(`client: wrote "ping ${round}", read "${reply}" ${micros} µs later`);
  }

  // connect() where nothing listens: no socket can listen on port 0, so the kernel answers the
  // SYN with a reset (RST), and connect() fails at once with ECONNREFUSED: no timer involved.
  const refusedAt = performance.now();
  const nobody = createConnection({ host: '127.0.0.1', port: 0 });
  const [error] = await once(nobody, 'error');
  const refusedMs = (performance.now() - refusedAt).toFixed(1);
  console.log(`client: connect() to 127.0.0.1:0 failed with ${error.code} after ${refusedMs} ms`);

  // end() is shutdown(SHUT_WR); the server's side answers with its own FIN and closes, and
  // server.close() calls back once the listener and that connection are gone.
  client.end();
  await new Promise((done) => server.close(done));
  console.log('server: closed');
  console.log(
    'client: bind() before connect(), and a SYN nobody answers (it needs a listener that never ' +
      'accepts, in a second process), are in the lab: npx tsx scripts/05-connect.ts',
  );
}

// As a program: inside the project, the lab beside this file runs main() and shows the kernel's
// view of each step (scripts/lab/05-connect.ts). Copied alone, the lesson runs by itself.
if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  import('./lab/05-connect.ts').then(
    (lab) => lab.run(),
    () => main(),
  );
}
