/**
 * @title One port, several processes: accept fan-out
 * @concept Several processes can serve one port: node:cluster's primary accepts and hands out each
 *   connection in turn, or every worker accepts on one shared listening socket, or each has a
 *   listening socket of its own (SO_REUSEPORT) and the kernel spreads connections by a hash of
 *   their addresses.
 * @notes #27-one-port-several-processes-accept-fan-out-13-fan-out-processes
 * @run npx tsx scripts/13-fan-out-processes.ts
 * @resource https://nodejs.org/api/cluster.html#how-it-works
 * @resource https://nodejs.org/api/net.html#serverlistenoptions-callback
 * @resource https://man7.org/linux/man-pages/man7/socket.7.html
 * @knobs WORKERS (processes serving the port; default 3), CONNECTIONS (per way; default 30)
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createConnection, createServer, type Socket } from 'node:net';

/** A worker (this file again, role "worker"): it answers each connection with its own PID. */
function worker(host: string, port: number): void {
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.write(`pid ${process.pid}\n`);
  });
  // socket() + setsockopt(SO_REUSEPORT) + bind() + listen(): a listening socket of this worker's
  // own on a port its siblings hold too (Node 22.12 and later). 0: the kernel picks one.
  server.listen({ host, port, reusePort: true }, () => {
    process.send?.((server.address() as AddressInfo).port);
  });
  server.on('error', (error) => process.send?.(`${error.message} (reusePort needs Node 22.12+)`));
  // The channel to the lesson closes when it is done, or gone: the worker goes too.
  process.on('disconnect', () => process.exit());
}

const { WORKERS = '3', CONNECTIONS = '30' } = process.env;
export async function main(workers = Number(WORKERS), connections = Number(CONNECTIONS)) {
  // The first worker binds port 0 and says which port it got; the others bind that one.
  const start = async (port: number): Promise<[ChildProcess, unknown]> => {
    const child = fork(import.meta.filename, ['worker', '127.0.0.1', `${port}`]);
    return [child, (await once(child, 'message'))[0]];
  };
  const first = await start(0);
  const port = Number(first[1]);
  const others = Array.from({ length: workers - 1 }, () => start(port));
  const started = [first, ...(await Promise.all(others))];
  const children = started.map(([child]) => child);
  const failed = started.find(([, said]) => typeof said !== 'number');
  if (failed) console.log(`server: a worker could not listen: ${failed?.[1]}`);
  else console.log(`server: ${workers} workers listen on 127.0.0.1:${port}, SO_REUSEPORT`);

  // connect(), one after another, each kept open: the kernel hands every new connection to one
  // listening socket, chosen by a hash of its addresses; that worker's accept4() takes it.
  const sockets: Socket[] = [];
  const perWorker = new Map(children.map((child) => [`pid ${child.pid}`, 0]));
  for (let i = 0; i < connections && !failed; i++) {
    const socket = createConnection({ host: '127.0.0.1', port }).setEncoding('utf8');
    sockets.push(socket);
    const [reply] = await once(socket, 'data');
    const who = String(reply).trim();
    perWorker.set(who, (perWorker.get(who) ?? 0) + 1);
  }
  const counts = [...perWorker].map(([who, count]) => `${who} ${count}`).join(', ');
  if (!failed) console.log(`client: ${connections} connections; answered by ${counts}`);

  // close(): the clients' FINs end each connection; the workers go when their channel closes.
  for (const socket of sockets) socket.destroy();
  for (const child of children) child.disconnect();
  await Promise.all(children.map((child) => once(child, 'exit')));
  console.log(`server: all ${workers} workers have exited`);
}

// As a program: in the project, the lab beside this file runs main() and watches its workers
// (scripts/lab/13-fan-out-processes.ts); copied alone, it runs by itself. Workers are this file.
if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  if (process.argv[2] === 'worker') worker(process.argv[3], Number(process.argv[4]));
  else
    import('./lab/13-fan-out-processes.ts').then(
      (lab) => lab.run(),
      () => main(),
    );
}
