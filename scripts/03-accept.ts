/**
 * @title accept() gives every client a socket of its own
 * @concept The server flow is socket → bind → listen → accept, and every accept returns a new connected socket on the
 *   listener's port while the listening socket itself never carries a byte.
 * @notes #22-accept-gives-every-client-its-own-socket-03-accept
 * @run npx tsx scripts/03-accept.ts
 * @resource https://nodejs.org/api/net.html#event-connection
 * @resource https://man7.org/linux/man-pages/man2/accept.2.html
 * @knobs CLIENTS (how many clients connect; default 3)
 *
 * The listener and every client live in this process, so the descriptors they get come from one
 * table. Clients connect one after another; each says hello and hears its own words echoed back.
 * `--serve` keeps the same server up as an echo server for real clients (nc, socat, ...).
 */
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  defineScript,
  integerFlag,
  isMain,
  portFlag,
  runScript,
  untilSignal,
  type FlagValues,
  type Line,
  defineKnobs,
  formatEndpoint,
  hostFlag,
  listeningLine,
} from './lib/cli.ts';
import { descriptorOf, kindOf, readDescriptorTable } from './lib/descriptors.ts';
import { hasProcNet, readTable, type SocketRow } from './lib/proc-net.ts';
import { label } from './lib/mermaid.ts';
import { defineExercise } from './lib/questions.ts';
import { onceWithin, within } from './lib/wait.ts';

const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_CLIENTS = 3;
export const MAX_CLIENTS = 1000;
/** The exercise's knob: the same number and range as --clients. */
export const KNOBS = defineKnobs({ CLIENTS: { fallback: DEFAULT_CLIENTS, min: 1, max: MAX_CLIENTS } });
const STEP_TIMEOUT_MS = 2000;

// --- The lesson: socket → bind → listen → accept, one new socket per client ------------------

/** Listens, lets `clientCount` clients connect one at a time, and records what each accept() returned. */
export async function observeAccept(clientCount = DEFAULT_CLIENTS): Promise<AcceptObservations> {
  // Before the first socket: the numbers this process already uses (Node's own), so the first socket's is no surprise.
  const openBefore = hasProcNet ? openDescriptors() : null;
  // socket() + bind() + listen(): Node makes all three calls inside server.listen().
  const server = createServer();
  server.listen(0, DEFAULT_HOST);
  await onceWithin(server, 'listening', STEP_TIMEOUT_MS, 'the server to listen');
  const { address, port } = server.address() as AddressInfo;

  // accept(): libuv calls accept4() when a finished handshake waits in the queue, and Node hands
  // us the NEW socket it returned as a 'connection' event. The listener itself never reads a byte.
  const acceptedByPeerPort = new Map<number, Socket>();
  server.on('connection', (accepted) => {
    echo(accepted);
    acceptedByPeerPort.set(accepted.remotePort!, accepted);
  });

  const clients: Socket[] = [];
  try {
    const seen: AcceptedClient[] = [];
    for (let i = 1; i <= clientCount; i++) {
      // The client's socket() + connect(): the kernel picks it a source port of its own.
      const client = createConnection({ host: DEFAULT_HOST, port });
      clients.push(client);
      await onceWithin(client, 'connect', STEP_TIMEOUT_MS, `client ${i} to connect`);
      const serverSide = await acceptedSocketOf(client, acceptedByPeerPort, server, i);

      // write() on the client's socket, read() on the accepted one, and the echo back.
      const said = `hello from client ${i}`;
      client.setEncoding('utf8').write(said);
      const [heardBack] = (await onceWithin(client, 'data', STEP_TIMEOUT_MS, `client ${i}'s echo`)) as [string];
      seen.push(describe(client, serverSide, said, heardBack));
    }
    // The kernel's table, read while every connection is open: one LISTEN row, one row per client.
    const kernel = hasProcNet
      ? await listenerRows(
          { address, port },
          seen.map((entry) => entry.client),
        )
      : null;
    return { openBefore, listener: { fd: descriptorOf(server), local: { address, port } }, clients: seen, kernel };
  } finally {
    // close(): every client and every accepted socket (a stranger's too), so server.close() waits on none.
    for (const client of clients) client.destroy();
    for (const socket of acceptedByPeerPort.values()) socket.destroy();
    await within(new Promise((resolve) => server.close(resolve)), STEP_TIMEOUT_MS, 'the server to close');
  }
}

/** Echoes whatever a client sends on the socket accept() made for it. */
function echo(socket: Socket): void {
  socket.on('data', (chunk) => socket.write(chunk));
  socket.on('end', () => socket.end());
  socket.on('error', () => socket.destroy());
}

// --- Instrumentation: pairing each client with its accepted socket, descriptors, /proc -------

/**
 * The socket accept() returned for `client`, found by the client's port: its 'connection' event
 * may come before or after the client's 'connect', and another program's connection may come
 * in between (it is echoed too, and reported apart).
 */
async function acceptedSocketOf(
  client: Socket,
  acceptedByPeerPort: ReadonlyMap<number, Socket>,
  server: Server,
  index: number,
): Promise<Socket> {
  while (!acceptedByPeerPort.has(client.localPort!))
    await onceWithin(server, 'connection', STEP_TIMEOUT_MS, `accept() of client ${index}`);
  return acceptedByPeerPort.get(client.localPort!)!;
}

/** One client's two ends as plain data: its own socket, the accepted one, and what travelled. */
function describe(client: Socket, serverSide: Socket, said: string, heardBack: string): AcceptedClient {
  return {
    client: { address: client.localAddress!, port: client.localPort!, fd: descriptorOf(client) },
    accepted: {
      fd: descriptorOf(serverSide),
      local: { address: serverSide.localAddress!, port: serverSide.localPort! },
      remote: { address: serverSide.remoteAddress!, port: serverSide.remotePort! },
      bytesRead: serverSide.bytesRead,
    },
    said,
    heardBack,
  };
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
export async function listenerRows(
  listener: Endpoint,
  clients: readonly Endpoint[],
): Promise<NonNullable<AcceptObservations['kernel']>> {
  const rows = (await readTable('tcp', [listener.port])).filter(
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
      ask: ({ CLIENTS }) =>
        `${CLIENTS} clients connect and stay connected. How many TCP sockets does the kernel list on the server's ` +
        "port (the rows whose local port is the listener's)?",
      measure: (seen) =>
        seen.kernel ? seen.kernel.listening + seen.kernel.serverEnds : { unmeasured: 'no /proc/net/tcp here' },
      why: () => 'one LISTEN row for the listener, and one ESTABLISHED row for each socket that accept() returned',
    },
    {
      id: 'accepted-port',
      kind: 'choice',
      ask: () => 'Which local port does the socket that accept() returns have?',
      options: [
        ['listener', "the listener's port"],
        ['new', 'a new port the kernel picks for each client'],
        ['client', "the client's port"],
      ],
      measure: (seen) => {
        const [{ accepted, client }] = seen.clients;
        if (accepted.local.port === seen.listener.local.port) return 'listener';
        return accepted.local.port === client.port ? 'client' : 'new';
      },
      why: () =>
        "a connection is named by both ends, so every accepted socket shares the listener's local port and differs " +
        'in the remote one',
    },
    {
      id: 'descriptors',
      kind: 'number',
      ask: ({ CLIENTS }) =>
        `The listener and all ${CLIENTS} clients live in this one process. How many socket descriptors does the ` +
        'process hold for this lesson once every client is connected?',
      measure: (seen) => {
        const fds = [seen.listener.fd, ...seen.clients.flatMap((entry) => [entry.client.fd, entry.accepted.fd])];
        return fds.includes(null) ? { unmeasured: 'descriptors are read from /proc, Linux only' } : new Set(fds).size;
      },
      why: ({ clients }) =>
        `one for the listener and two per connection (the client's end and the accepted end): 1 + 2 × ` +
        `${clients.length}`,
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

if (isMain(import.meta.url)) await runScript(cli);
