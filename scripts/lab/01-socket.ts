/**
 * The lab of 01-socket: runs the lesson (scripts/01-socket.ts), whose server is a second process
 * it forks, and shows both ends of the one connection: each end's address and port, each
 * process's PID, the kernel's rows for the connection while it is open, and this machine's
 * addresses per interface. Also --json and the questions of `npm run exercise -- 01`.
 */
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { main } from '../01-socket.ts';
import { defineKnobs, defineScript, isMain, runScript, type Line } from '../lib/cli.ts';
import { watchLesson } from '../lib/lab.ts';
import { hasProcNet, readTableNow, type SocketRow } from '../lib/proc-net.ts';
import { defineExercise } from '../lib/questions.ts';
import { within } from '../lib/wait.ts';

/** The lesson ends in well under a second on loopback; the bound only keeps a broken one from hanging. */
const LESSON_TIMEOUT_MS = 30_000;

// --- Watching the lesson run --------------------------------------------------------------

/** What the lesson's server process reports over its IPC channel, one step per message. */
type ServerReport =
  | { listening: Endpoint }
  | { accepted: { localAddress: string; localPort: number; remoteAddress: string; remotePort: number } };

/** Runs the lesson and records both ends of its one connection, and the kernel's rows while it is open. */
export async function observeSocket(): Promise<SocketObservations> {
  let server: ChildProcess | undefined;
  let listening: Endpoint | undefined;
  let accepted: SocketObservations['server']['accepted'] | undefined;
  let client: { socket: Socket; local?: Endpoint; remote?: Endpoint; heard: string } | undefined;
  let kernelRows: SocketObservations['kernelRows'] = null;
  try {
    await within(
      watchLesson(main, {
        spawned(child) {
          server = child;
          // The lab hears each report just before the lesson does (it listened first).
          child.on('message', (report: ServerReport) => {
            if ('listening' in report) listening = endpointOf(report.listening);
            else {
              const { localAddress, localPort, remoteAddress, remotePort } = report.accepted;
              accepted = {
                local: { address: localAddress, port: localPort },
                remote: { address: remoteAddress, port: remotePort },
              };
              // The server has accepted and not yet answered: both ends are open, the listener too.
              if (hasProcNet && listening && client) kernelRows = connectionRows(listening, localEnd(client.socket));
            }
          });
        },
        connecting(socket) {
          const end: NonNullable<typeof client> = { socket, heard: '' };
          client = end;
          socket.once('connect', () => Object.assign(end, { local: localEnd(socket), remote: remoteEnd(socket) }));
          socket.on('data', (chunk) => (end.heard += String(chunk)));
        },
      }),
      LESSON_TIMEOUT_MS,
      'the lesson to fork its server, connect to it once and close both ends',
    );
  } finally {
    // A lesson that failed midway must not leave its server process behind.
    if (server && server.exitCode === null && server.signalCode === null) server.kill();
  }
  if (!server?.pid || !listening || !accepted || !client?.local || !client.remote)
    throw new Error('the lesson ended before its server listened, accepted and reported both steps');
  return {
    client: { pid: process.pid, local: client.local, remote: client.remote, heard: client.heard },
    server: { pid: server.pid, listening, accepted },
    kernelRows,
    interfaces: loopbackAndOtherInterfaces(),
  };
}

const endpointOf = ({ address, port }: Endpoint): Endpoint => ({ address, port });

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

const localEnd = (socket: Socket): Endpoint => ({ address: socket.localAddress!, port: socket.localPort! });
const remoteEnd = (socket: Socket): Endpoint => ({ address: socket.remoteAddress!, port: socket.remotePort! });

/** The rows of /proc/net/tcp, read now, for the listener and both ends of the one connection from `client`. */
function connectionRows(listening: Endpoint, client: Endpoint): SocketObservations['kernelRows'] {
  return (
    readTableNow('tcp', [listening.port])
      // Only this connection's sockets, by their full addresses: other sockets may use the same port numbers.
      .filter((row) => isOurs(row, listening, client))
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
      ask: {
        en: () =>
          'A server process listens and one client connects to it. How many TCP sockets does the kernel list for ' +
          'the listener and this one connection, counting every end?',
        ko: () =>
          '서버 프로세스가 listen하고 클라이언트 하나가 연결한다. 리스너와 이 연결 하나에 대해 커널이 보여 주는 ' +
          'TCP 소켓은 끝마다 세어서 몇 개인가?',
      },
      measure: (seen) =>
        seen.kernelRows?.length ?? {
          unmeasured: {
            en: 'the rows are read from /proc/net/tcp, Linux only',
            ko: '이 줄들은 /proc/net/tcp에서 읽으므로 리눅스에서만 잴 수 있다',
          },
        },
      why: {
        en: () => 'the listener, and the connection twice: one socket at each end, each with its own row',
        ko: () => '리스너 하나, 그리고 연결은 두 번 센다: 양 끝에 소켓이 하나씩 있고 저마다 자기 줄이 있다',
      },
    },
    {
      id: 'client-port',
      kind: 'choice',
      ask: {
        en: () => 'The client never chose a port. What is its local port?',
        ko: () => '클라이언트는 포트를 고른 적이 없다. 클라이언트의 로컬 포트는?',
      },
      options: [
        ['same', { en: "the server's port", ko: '서버의 포트' }],
        [
          'picked',
          { en: "a port the kernel picked for it, not the server's", ko: '서버 것이 아닌, 커널이 골라 준 포트' },
        ],
        ['none', { en: 'none: only servers have ports', ko: '없다: 포트는 서버에만 있다' }],
      ],
      measure: ({ client }) =>
        client.local.port === client.remote.port ? 'same' : client.local.port > 0 ? 'picked' : 'none',
      why: {
        en: () => 'every end of a connection is an (address, port) pair; connect() without bind() gets a free port',
        ko: () =>
          '연결의 끝은 모두 (주소, 포트) 쌍이다. bind() 없이 connect()한 소켓은 커널에게서 빈 포트(임시 포트)를 받는다',
      },
    },
  ],
});

/** The command line, exported so tests can run it in-process. */
export const cli = defineScript({
  usage: `
Usage: npx tsx scripts/01-socket.ts [--json]

Opens one TCP connection between this process and a server in a child process, on 127.0.0.1,
and shows both ends: each end's IP address and port, each process's PID, and the kernel's
rows for the connection. Lists this machine's addresses per interface.
`,
  demo: observeSocket,
  render: renderSocket,
});

/** Runs the lab's command line: the lesson calls this when it runs as a program in the project. */
export const run = () => runScript(cli);

if (isMain(import.meta.url)) await run();
