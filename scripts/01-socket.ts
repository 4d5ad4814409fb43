/**
 * @title What a socket is: one connection, two ends
 * @concept A socket is one end of a conversation: an (IP address, port) pair inside a process, and the process has a
 *   PID that is not a port.
 * @notes #11-one-connection-two-ends-01-socket
 * @run npx tsx scripts/01-socket.ts
 * @resource https://nodejs.org/api/net.html#class-netsocket
 * @resource https://man7.org/linux/man-pages/man7/ip.7.html
 *
 * A server runs in a child process, so each end lives in its own process with its own PID.
 * The client connects, the server answers with its PID over the connection, and the kernel's
 * table of TCP sockets (/proc/net/tcp) shows the same connection as two rows, one per end.
 */
import { createConnection, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { defineKnobs, defineScript, isMain, runScript, type Line } from './lib/cli.ts';
import { startNodeChild } from './lib/child.ts';
import { hasProcNet, readTable, type SocketRow } from './lib/proc-net.ts';
import { defineExercise } from './lib/questions.ts';
import { onceWithin } from './lib/wait.ts';

const HOST = '127.0.0.1';
const STEP_TIMEOUT_MS = 2000;

/** The server's side, a module of its own run as a child process: see children/01-socket-server.ts. */
const SERVER = new URL('./children/01-socket-server.ts', import.meta.url);

// --- The lesson: one connection, two ends, two processes ------------------------------------

/** Connects to a server in another process and records both ends of the one connection. */
export async function observeSocket(): Promise<SocketObservations> {
  // The server's socket() + bind() + listen() run in a child process: it has a PID of its own.
  const server = await startNodeChild({ module: SERVER, args: [HOST] });
  let client: Socket | undefined;
  try {
    const { listening } = await server.next<{ listening: Endpoint }>(STEP_TIMEOUT_MS, 'the server to listen');

    // The client's socket() + connect(): its end gets this machine's address and a port of its own.
    client = createConnection({ host: HOST, port: listening.port });
    await onceWithin(client, 'connect', STEP_TIMEOUT_MS, 'the connection to the server');
    // The server's accept() hands it the other end, which it reports back to us.
    const { accepted } = await server.next<{ accepted: AcceptedEnd }>(STEP_TIMEOUT_MS, 'the server to accept');

    // The kernel's view while both ends are open: one row per socket, and no PID in any of them.
    const kernelRows = hasProcNet ? await connectionRows(listening, client) : null;

    // write() a question, read() the answer: the only way to learn the server's PID is to be told.
    let heard = '';
    client.setEncoding('utf8').on('data', (chunk: string) => (heard += chunk));
    client.write('who are you?');
    await onceWithin(client, 'end', STEP_TIMEOUT_MS, "the server's reply");

    return {
      client: { pid: process.pid, local: localEnd(client), remote: remoteEnd(client), heard },
      server: {
        pid: server.pid,
        listening: { address: listening.address, port: listening.port },
        accepted: {
          local: { address: accepted.localAddress, port: accepted.localPort },
          remote: { address: accepted.remoteAddress, port: accepted.remotePort },
        },
      },
      kernelRows,
      interfaces: loopbackAndOtherInterfaces(),
    };
  } finally {
    client?.destroy();
    await server.stop();
  }
}

// --- Instrumentation: the kernel's rows and the interfaces, as plain data ---------------------

export interface Endpoint {
  address: string;
  port: number;
}

export interface SocketObservations {
  client: { pid: number; local: Endpoint; remote: Endpoint; heard: string };
  server: { pid: number; listening: Endpoint; accepted: { local: Endpoint; remote: Endpoint } };
  /** The kernel's rows for this server's port: the listener and both ends of the connection. */
  kernelRows: Array<{ state: string; local: Endpoint; remote: Endpoint; inode: number }> | null;
  interfaces: Array<{ name: string; family: string; cidr: string; internal: boolean }>;
}

/** The listener's row, or either end of the one connection between `server` and `client`. */
function isOurs(row: SocketRow, server: Endpoint, client: Endpoint): boolean {
  const local = (end: Endpoint) => row.localAddress === end.address && row.localPort === end.port;
  const remote = (end: Endpoint) => row.remoteAddress === end.address && row.remotePort === end.port;
  return (local(server) && (row.state === 'LISTEN' || remote(client))) || (local(client) && remote(server));
}

function rank(row: SocketRow, serverPort: number): number {
  if (row.state === 'LISTEN') return 0;
  return row.localPort === serverPort ? 1 : 2;
}

/** The accepted socket's two ends, as the server reports them over IPC. */
interface AcceptedEnd {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
}

const localEnd = (socket: Socket): Endpoint => ({ address: socket.localAddress!, port: socket.localPort! });
const remoteEnd = (socket: Socket): Endpoint => ({ address: socket.remoteAddress!, port: socket.remotePort! });

/** The rows of /proc/net/tcp for the listener and both ends of the one connection from `client`. */
async function connectionRows(listening: Endpoint, client: Socket): Promise<SocketObservations['kernelRows']> {
  const server = { address: HOST, port: listening.port };
  return (
    (await readTable('tcp', [listening.port]))
      // Only this connection's sockets, by their full addresses: other sockets may use the same port numbers.
      .filter((row) => isOurs(row, server, localEnd(client)))
      // The table's order follows the kernel's hash buckets: list the listener, the server's end, the client's.
      .sort((a, b) => rank(a, listening.port) - rank(b, listening.port))
      .map((row) => ({
        state: row.state,
        local: { address: row.localAddress, port: row.localPort },
        remote: { address: row.remoteAddress, port: row.remotePort },
        inode: row.inode,
      }))
  );
}

/** Every interface's addresses: where 127.0.0.1 lives (lo), and this machine's other addresses. */
function loopbackAndOtherInterfaces(): SocketObservations['interfaces'] {
  return Object.entries(networkInterfaces()).flatMap(([name, addresses]) =>
    // Node lists an array for every interface it names, with the prefix length from the kernel's netmask.
    addresses!.map((entry) => ({ name, family: entry.family, cidr: entry.cidr!, internal: entry.internal })),
  );
}

const at = (endpoint: Endpoint) => `${endpoint.address}:${endpoint.port}`;

export function renderSocket(seen: SocketObservations): Line[] {
  const { client, server } = seen;
  const lines: Line[] = [
    ['server', `pid ${server.pid} listens on ${at(server.listening)}`],
    ['client', `pid ${client.pid} connects from ${at(client.local)} to ${at(client.remote)}`],
    ['server', `accepted a client: this end ${at(server.accepted.local)}, the other end ${at(server.accepted.remote)}`],
    ['client', `asked "who are you?" and heard "${client.heard}"`],
  ];
  if (seen.kernelRows) {
    for (const row of seen.kernelRows) {
      const whose =
        row.state === 'LISTEN'
          ? 'the listener'
          : row.local.port === server.listening.port
            ? "the server's end"
            : "the client's end";
      lines.push([
        'kernel',
        `${row.state.padEnd(11)} ${at(row.local)} -> ${at(row.remote)}, inode ${row.inode} (${whose})`,
      ]);
    }
  } /* c8 ignore start: the line for systems without /proc/net, which CI (Linux) never takes */ else {
    lines.push(['kernel', 'the /proc/net/tcp view is Linux only; skipped here']);
  } /* c8 ignore stop */
  lines.push(
    ['socket', `both ends have the IP ${client.local.address}; the ports tell them apart`],
    ['socket', `a port names a socket; a PID names a process: the server's PID is not its port`],
  );
  for (const entry of seen.interfaces) {
    lines.push(['machine', `${entry.name} ${entry.cidr} (${entry.family}${entry.internal ? ', loopback' : ''})`]);
  }
  return lines;
}

/** Predict, then run: `npm run exercise -- 01`. */
export const EXERCISE = defineExercise({
  knobs: defineKnobs({}),
  observe: () => observeSocket(),
  questions: [
    {
      id: 'rows',
      kind: 'number',
      ask: () =>
        'A server process listens and one client connects to it. How many TCP sockets does the kernel list for ' +
        'the listener and this one connection, counting every end?',
      measure: (seen) => seen.kernelRows?.length ?? { unmeasured: 'the rows are read from /proc/net/tcp, Linux only' },
      why: () => 'the listener, and the connection twice: one socket at each end, each with its own row',
    },
    {
      id: 'client-port',
      kind: 'choice',
      ask: () => 'The client never chose a port. What is its local port?',
      options: [
        ['same', "the server's port"],
        ['picked', "a port the kernel picked for it, not the server's"],
        ['none', 'none: only servers have ports'],
      ],
      measure: ({ client }) =>
        client.local.port === client.remote.port ? 'same' : client.local.port > 0 ? 'picked' : 'none',
      why: () => 'every end of a connection is an (address, port) pair; connect() without bind() gets a free port',
    },
  ],
});

/** The command line, exported so tests can run it in-process. */
export const cli = defineScript({
  usage: `
Usage: npx tsx scripts/01-socket.ts [--json]

Opens one TCP connection between this process and a server in a child process, on ${HOST},
and shows both ends: each end's IP address and port, each process's PID, and the kernel's
rows for the connection. Lists this machine's addresses per interface.
`,
  demo: observeSocket,
  render: renderSocket,
});

if (isMain(import.meta.url)) await runScript(cli);
