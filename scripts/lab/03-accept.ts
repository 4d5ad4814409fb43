/**
 * The lab of 03-accept: runs the lesson (scripts/03-accept.ts) and shows what the kernel made of
 * each step: the descriptors accept() returned, the listener's rows in /proc/net/tcp, and the
 * bytes on each connection. Also --json, --mermaid, --serve (an echo server for nc or socat) and
 * the questions of `npm run exercise -- 03`.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import {
  defineScript,
  integerFlag,
  isMain,
  portFlag,
  runScript,
  type FlagValues,
  type Line,
  defineKnobs,
  formatEndpoint,
  hostFlag,
  listeningLine,
} from '../lib/cli.ts';
import { untilSignal } from '../lib/serve-lifetime.ts';
import { descriptorOf, kindOf, readDescriptorTable } from '../lib/descriptors.ts';
import { hasProcNet, readTableNow, type SocketRow } from '../lib/proc-net.ts';
import { watchLesson } from '../lib/lab.ts';
import { main } from '../03-accept.ts';
import { label } from '../lib/mermaid.ts';
import { defineExercise } from '../lib/questions.ts';
import { onceWithin, stretchedByLoad, within } from '../lib/wait.ts';

const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_CLIENTS = 3;
export const MAX_CLIENTS = 1000;
/** The exercise's knob: the same number and range as --clients. */
export const KNOBS = defineKnobs({ CLIENTS: { fallback: DEFAULT_CLIENTS, min: 1, max: MAX_CLIENTS } });
/** A bound on each step's event, longer on a loaded machine (taken when the lab loads). */
const STEP_TIMEOUT_MS = stretchedByLoad(2000);
/** The lesson ends in well under a second on loopback; the bound only keeps a broken one from hanging. */
const LESSON_TIMEOUT_MS = 30_000;

// --- Watching the lesson run --------------------------------------------------------------

/** Runs the lesson with `clientCount` clients and records what each step left in the kernel. */
export async function observeAccept(clientCount = DEFAULT_CLIENTS): Promise<AcceptObservations> {
  // Before the first socket: the numbers this process already uses (Node's own), so the first socket's is no surprise.
  const openBefore = hasProcNet ? openDescriptors() : null;
  let listener: AcceptObservations['listener'] | undefined;
  const accepted = new Map<number, AcceptedEnd>();
  const clients: ClientEnd[] = [];
  let kernel: AcceptObservations['kernel'] = null;

  /** Once the last client has its echo, every connection is open: the moment to read the table. */
  const readKernelOnceAllHeard = () => {
    if (!hasProcNet || !listener || clients.length < clientCount) return;
    if (clients.some((client) => client.heardBack === '')) return;
    kernel = listenerRows(
      listener.local,
      clients.map(({ address, port }) => ({ address, port })),
    );
  };

  await within(
    watchLesson(() => main(clientCount), {
      listening(server) {
        listener = { fd: descriptorOf(server), local: endpointOf(server.address() as AddressInfo) };
      },
      connecting(socket) {
        const client: ClientEnd = { socket, address: '', port: 0, fd: null, heardBack: '' };
        clients.push(client);
        socket.once('connect', () => {
          Object.assign(client, endpointOf({ address: socket.localAddress!, port: socket.localPort! }));
          client.fd = descriptorOf(socket);
        });
        socket.on('data', (chunk) => {
          client.heardBack += String(chunk);
          readKernelOnceAllHeard();
        });
      },
      accepted(socket) {
        const end: AcceptedEnd = {
          socket,
          fd: descriptorOf(socket),
          local: endpointOf({ address: socket.localAddress!, port: socket.localPort! }),
          remote: endpointOf({ address: socket.remoteAddress!, port: socket.remotePort! }),
          said: '',
        };
        accepted.set(socket.remotePort!, end);
        socket.on('data', (chunk) => (end.said += String(chunk)));
      },
    }),
    LESSON_TIMEOUT_MS,
    `the lesson to run with ${clientCount} clients and close everything`,
  );
  if (!listener) throw new Error('the lesson never listened');
  return { openBefore, listener, clients: clients.map((client) => describe(client, accepted)), kernel };
}

const endpointOf = ({ address, port }: Endpoint): Endpoint => ({ address, port });

/** A client socket the lesson made, and what the lab saw of it while it was open. */
interface ClientEnd extends Endpoint {
  socket: Socket;
  fd: number | null;
  heardBack: string;
}

/** A socket accept() returned: its descriptor and ends as they were while open, and the bytes it read. */
interface AcceptedEnd {
  socket: Socket;
  fd: number | null;
  local: Endpoint;
  remote: Endpoint;
  said: string;
}

/** One client's two ends as plain data, the accepted one found by the client's port. */
function describe(client: ClientEnd, acceptedByPeerPort: ReadonlyMap<number, AcceptedEnd>): AcceptedClient {
  const serverSide = acceptedByPeerPort.get(client.port);
  if (!serverSide) throw new Error(`no accepted socket faces the client at port ${client.port}`);
  const { fd, local, remote, socket } = serverSide;
  return {
    client: { address: client.address, port: client.port, fd: client.fd },
    accepted: { fd, local, remote, bytesRead: socket.bytesRead },
    said: serverSide.said,
    heardBack: client.heardBack,
  };
}

/** Echoes whatever a client sends on the socket accept() made for it (--serve). */
function echo(socket: Socket): void {
  socket.on('data', (chunk) => socket.write(chunk));
  socket.on('end', () => socket.end());
  socket.on('error', () => socket.destroy());
}

export interface Endpoint {
  address: string;
  port: number;
}

export interface AcceptedClient {
  /** The client's own socket, as the client sees it. */
  client: Endpoint & { fd: number | null };
  /** The socket accept() returned on the server's side. */
  accepted: { fd: number | null; local: Endpoint; remote: Endpoint; bytesRead: number };
  said: string;
  heardBack: string;
}

export interface AcceptObservations {
  /** The descriptors open before the lesson's first socket, by kind; null off Linux. */
  openBefore: OpenDescriptors | null;
  listener: { fd: number | null; local: Endpoint };
  clients: AcceptedClient[];
  /**
   * Rows of /proc/net/tcp on the listener's address and port, seen while every connection was
   * open. serverEnds: the ESTABLISHED rows facing our clients, serverEndPeers: their remote ports;
   * strangers: ESTABLISHED rows facing anyone else (another program that connected meanwhile).
   */
  kernel: { listening: number; serverEnds: number; serverEndPeers: number[]; strangers: number } | null;
}

/**
 * The listener's port in /proc/net/tcp: its LISTEN row, and the ESTABLISHED rows facing `clients` and facing anyone
 * else.
 */
export function listenerRows(
  listener: Endpoint,
  clients: readonly Endpoint[],
): NonNullable<AcceptObservations['kernel']> {
  const rows = readTableNow('tcp', [listener.port]).filter(
    (row) => row.localAddress === listener.address && row.localPort === listener.port,
  );
  const established = rows.filter((row) => row.state === 'ESTABLISHED');
  const isOurClient = (row: SocketRow) =>
    clients.some((client) => row.remoteAddress === client.address && row.remotePort === client.port);
  const ours = established.filter(isOurClient);
  return {
    listening: rows.filter((row) => row.state === 'LISTEN').length,
    serverEnds: ours.length,
    serverEndPeers: ours.map((row) => row.remotePort),
    strangers: established.length - ours.length,
  };
}

export interface OpenDescriptors {
  /** The lowest number not open when read (a thread of Node's may take it for a moment before the first socket). */
  lowestFree: number;
  /** How many of each kind ("pipe": 6, "eventpoll": 2) hold the numbers from 3 to just below it. */
  kinds: Record<string, number>;
  /** Open numbers above the lowest free one (inherited from the parent, say). */
  above: number;
}

/** This process's descriptors before the lesson opens any: 0-2 are stdin, stdout and stderr, then Node's own. */
function openDescriptors(): OpenDescriptors {
  const table = readDescriptorTable();
  const open = new Set(table.map(({ fd }) => fd));
  let lowestFree = 0;
  while (open.has(lowestFree)) lowestFree++;
  const kinds: Record<string, number> = {};
  for (const { fd, target } of table)
    if (fd > 2 && fd < lowestFree) kinds[kindOf(target)] = (kinds[kindOf(target)] ?? 0) + 1;
  return { lowestFree, kinds, above: table.filter(({ fd }) => fd > lowestFree).length };
}

const at = (endpoint: Endpoint) => `${endpoint.address}:${endpoint.port}`;
const fdText = (fd: number | null) => (fd === null ? 'fd unknown on this OS' : `fd ${fd}`);

export function renderAccept(seen: AcceptObservations): Line[] {
  const lines: Line[] = [];
  if (seen.openBefore) {
    const { lowestFree, kinds, above } = seen.openBefore;
    const held = Object.entries(kinds).map(([kind, count]) => `${count} ${kind}`);
    lines.push([
      'process',
      `fds 0-2 are stdin, stdout and stderr; 3-${lowestFree - 1} were open before the lesson (${held.join(', ')}: ` +
        `Node's start-up and its event loops)${above > 0 ? `, and ${above} above them` : ''}; the kernel gives ` +
        'each new socket the lowest number free at that moment',
    ]);
  }
  lines.push(['server', `socket() + bind() + listen() on ${at(seen.listener.local)}, ${fdText(seen.listener.fd)}`]);
  seen.clients.forEach((entry, index) => {
    const name = `client ${index + 1}`;
    lines.push(
      [name, `connect() from ${at(entry.client)}, ${fdText(entry.client.fd)}`],
      [
        'server',
        `accept() -> a new socket, ${fdText(entry.accepted.fd)}: ${at(entry.accepted.local)} <-> ` +
          `${at(entry.accepted.remote)}`,
      ],
      [name, `sent "${entry.said}", heard "${entry.heardBack}" on its own connection`],
    );
  });
  if (seen.kernel) {
    const { listening, serverEnds, strangers } = seen.kernel;
    const others =
      strangers === 0 ? '' : `, and ${strangers} more from peers that are not ours (another program connected)`;
    lines.push([
      'kernel',
      `rows on local port ${seen.listener.local.port}: ${listening} LISTEN, ${serverEnds} ESTABLISHED, one per ` +
        `client${others}`,
    ]);
  } /* c8 ignore start: the line for systems without /proc/net, which CI (Linux) never takes */ else {
    lines.push(['kernel', 'the /proc/net/tcp view is Linux only; skipped here']);
  } /* c8 ignore stop */
  const bytes = seen.clients.reduce((sum, entry) => sum + entry.accepted.bytesRead, 0);
  lines.push(['server', `${bytes} bytes arrived, all on accepted sockets; the listener only hands out connections`]);
  return lines;
}

/** The listener, each client and the socket accept() made for it, as a Mermaid flowchart (`--mermaid`). */
export function mermaidAccept(seen: AcceptObservations): string[] {
  const { listener } = seen;
  const lines = [
    'flowchart LR',
    '    subgraph process["this one process: the server and, here, the clients too"]',
    `      L[${label(`listening socket<br/>${at(listener.local)}, ${fdText(listener.fd)}<br/>no data, ever`)}]`,
  ];
  seen.clients.forEach(({ client, accepted }, i) => {
    const ends = `${at(accepted.local)} ↔ ${at(accepted.remote)}`;
    lines.push(`      C${i + 1}[${label(`client ${i + 1}, ${fdText(client.fd)}<br/>${at(client)}`)}]`);
    lines.push(`      A${i + 1}[${label(`accepted socket, ${fdText(accepted.fd)}<br/>${ends}`)}]`);
  });
  lines.push('    end');
  seen.clients.forEach((entry, i) => {
    lines.push(`    C${i + 1} -- "handshake" --> L`, `    L -- "accept()" --> A${i + 1}`);
    lines.push(`    C${i + 1} <-- ${label(`${entry.accepted.bytesRead} bytes each way`)} --> A${i + 1}`);
  });
  return lines;
}

/** `--serve`: the same server for real clients, echoing each one on its own accepted socket. */
async function serveEcho(values: FlagValues): Promise<void> {
  const host = hostFlag(values);
  const port = values.port === undefined ? 0 : portFlag(values);
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    const peer = formatEndpoint({ address: socket.remoteAddress!, port: socket.remotePort! });
    console.log(`server: accept() -> a new socket, ${fdText(descriptorOf(socket))}, for ${peer}`);
    open.add(socket);
    socket.on('close', () => {
      open.delete(socket);
      console.log(`server: ${peer} closed`);
    });
    echo(socket);
  });
  server.listen(port, host);
  await onceWithin(server, 'listening', STEP_TIMEOUT_MS, `listening on ${host}:${port}`);
  const bound = server.address() as AddressInfo;
  await untilSignal(listeningLine('tcp', bound.address, bound.port, fdText(descriptorOf(server))), async () => {
    // close() waits for open connections to end; a server shutting down ends them itself.
    for (const socket of open) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
}

/** The demo: --host and --port belong to --serve, so saying them without it is a mistake worth reporting. */
function demoFromFlags(values: FlagValues): Promise<AcceptObservations> {
  return observeAccept(integerFlag(values, 'clients', 1, MAX_CLIENTS));
}

/** Predict, then run: `npm run exercise -- 03`. */
export const EXERCISE = defineExercise({
  knobs: KNOBS,
  observe: ({ CLIENTS }) => observeAccept(CLIENTS),
  questions: [
    {
      id: 'server-sockets',
      kind: 'number',
      ask: {
        en: ({ CLIENTS }) =>
          `${CLIENTS} clients connect and stay connected. How many TCP sockets does the kernel list on the ` +
          "server's port (the rows whose local port is the listener's)?",
        ko: ({ CLIENTS }) =>
          `클라이언트 ${CLIENTS}개가 연결한 채로 있다. 커널이 서버 포트에 보여 주는 TCP 소켓(로컬 포트가 ` +
          '리스너의 포트인 줄)은 몇 개인가?',
      },
      measure: (seen) =>
        seen.kernel
          ? seen.kernel.listening + seen.kernel.serverEnds
          : { unmeasured: { en: 'no /proc/net/tcp here', ko: '여기에는 /proc/net/tcp가 없다' } },
      why: {
        en: () => 'one LISTEN row for the listener, and one ESTABLISHED row for each socket that accept() returned',
        ko: () => '리스너의 LISTEN 줄 하나, 그리고 accept()가 돌려준 소켓마다 ESTABLISHED 줄 하나다',
      },
    },
    {
      id: 'accepted-port',
      kind: 'choice',
      ask: {
        en: () => 'Which local port does the socket that accept() returns have?',
        ko: () => 'accept()가 돌려준 소켓의 로컬 포트는?',
      },
      options: [
        ['listener', { en: "the listener's port", ko: '리스너의 포트' }],
        ['new', { en: 'a new port the kernel picks for each client', ko: '커널이 클라이언트마다 새로 고른 포트' }],
        ['client', { en: "the client's port", ko: '클라이언트의 포트' }],
      ],
      measure: (seen) => {
        const [{ accepted, client }] = seen.clients;
        if (accepted.local.port === seen.listener.local.port) return 'listener';
        return accepted.local.port === client.port ? 'client' : 'new';
      },
      why: {
        en: () =>
          "a connection is named by both ends, so every accepted socket shares the listener's local port and " +
          'differs in the remote one',
        ko: () =>
          '연결은 양 끝으로 구별되므로, accept된 소켓은 모두 리스너의 로컬 포트를 함께 쓰고 원격 쪽 주소와 ' +
          '포트로 서로 다르다',
      },
    },
    {
      id: 'descriptors',
      kind: 'number',
      ask: {
        en: ({ CLIENTS }) =>
          `The listener and all ${CLIENTS} clients live in this one process. How many socket descriptors does the ` +
          'process hold for this lesson once every client is connected?',
        ko: ({ CLIENTS }) =>
          `리스너와 클라이언트 ${CLIENTS}개가 모두 이 프로세스 하나에 있다. 모든 클라이언트가 연결된 뒤, 이 ` +
          '프로세스가 이 관찰 스크립트를 위해 연 소켓 디스크립터는 몇 개인가?',
      },
      measure: (seen) => {
        const fds = [seen.listener.fd, ...seen.clients.flatMap((entry) => [entry.client.fd, entry.accepted.fd])];
        return fds.includes(null)
          ? {
              unmeasured: {
                en: 'descriptors are read from /proc, Linux only',
                ko: '디스크립터는 /proc에서 읽으므로 리눅스에서만 잴 수 있다',
              },
            }
          : new Set(fds).size;
      },
      why: {
        en: ({ clients }) =>
          `one for the listener and two per connection (the client's end and the accepted end): 1 + 2 × ` +
          `${clients.length}`,
        ko: ({ clients }) => `리스너에 하나, 연결마다 둘(클라이언트 쪽 끝과 accept된 끝): 1 + 2 × ${clients.length}`,
      },
      notes: '#31-a-socket-is-a-file-descriptor-07-socket-descriptor',
    },
  ],
});

/** The command line, exported so tests can run it in-process. */
export const cli = defineScript({
  usage: `
Usage: npx tsx scripts/03-accept.ts [--clients N] [--json | --mermaid]
       npx tsx scripts/03-accept.ts --serve [--host ${DEFAULT_HOST}] [--port 0]

Runs the server flow socket -> bind -> listen -> accept and connects N clients (default
${DEFAULT_CLIENTS}, at most ${MAX_CLIENTS}) one after another. Every accept() returns a new socket with
its own descriptor, on the listener's port; every byte travels on those, none on the listener.

--clients N   how many clients connect
--serve       be an echo server for real clients until Ctrl-C (e.g. nc 127.0.0.1 PORT)`,
  flags: {
    clients: { type: 'string', default: String(DEFAULT_CLIENTS) },
  },
  demo: demoFromFlags,
  render: renderAccept,
  mermaid: mermaidAccept,
  serve: serveEcho,
});

/** Runs the lab's command line: the lesson calls this when it runs as a program in the project. */
export const run = () => runScript(cli);

if (isMain(import.meta.url)) await run();
