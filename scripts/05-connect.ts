/**
 * @title connect() from the client's side
 * @concept The client flow is socket → connect → write/read: connect() takes an ephemeral source port unless the socket
 *   was bound first, fails at once with ECONNREFUSED when nothing listens, and waits in SYN_SENT when its SYN goes
 *   unanswered, until a timer (the application's or the kernel's) ends it.
 * @notes #24-connect-from-the-clients-side-05-connect
 * @run npx tsx scripts/05-connect.ts
 * @resource https://nodejs.org/api/net.html#netcreateconnectionoptions-connectlistener
 * @resource https://man7.org/linux/man-pages/man2/connect.2.html
 * @resource https://docs.kernel.org/networking/ip-sysctl.html
 * @knobs ROUNDS (request/response round trips on one connection; default 3), CONNECT_TIMEOUT_MS (the client's connect
 *   timer; default 300)
 *
 * The server of steps 1 and 2 lives in this process. Step 4 borrows 04's stalled listener: a
 * server frozen with SIGSTOP whose accept queue is full, so the kernel drops new SYNs.
 */
import { createConnection, createServer, type AddressInfo, type NetConnectOpts, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { defineScript, integerFlag, isMain, runScript, type FlagValues, type Line, defineKnobs } from './lib/cli.ts';
import { hasProcNet, readCounters, readSysctl, readTable } from './lib/proc-net.ts';
import { defineExercise } from './lib/questions.ts';
import { onceWithin, until, within } from './lib/wait.ts';
import { fillAcceptQueue, startStalledListener } from './lib/stalled-listener.ts';

const HOST = '127.0.0.1';
const STEP_TIMEOUT_MS = 2000;
export const DEFAULT_ROUNDS = 3;
export const MAX_ROUNDS = 1000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 300;
export const MIN_CONNECT_TIMEOUT_MS = 50;
export const MAX_CONNECT_TIMEOUT_MS = 10_000;
/** The exercise's knobs: the same numbers and ranges as --rounds and --connect-timeout-ms. */
export const KNOBS = defineKnobs({
  ROUNDS: { fallback: DEFAULT_ROUNDS, min: 1, max: MAX_ROUNDS },
  CONNECT_TIMEOUT_MS: {
    fallback: DEFAULT_CONNECT_TIMEOUT_MS,
    min: MIN_CONNECT_TIMEOUT_MS,
    max: MAX_CONNECT_TIMEOUT_MS,
  },
});
/** The smallest backlog Node passes through (it treats 0 as "use the default", 511); the queue then holds 2. */
const STALLED_BACKLOG = 1;
/** How many ports below the ephemeral range to try for the "bound first" client before giving up. */
const BIND_ATTEMPTS = 20;

// --- The lesson: the client's flow, socket → connect → write/read, and when connect fails ------

/** The client's side of TCP, four ways: an ordinary connect and exchange, bound first, refused, unanswered. */
export async function observeConnect({
  rounds = DEFAULT_ROUNDS,
  connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
  whileSynSent,
}: ConnectOptions = {}): Promise<ConnectObservations> {
  const ephemeralRange = hasProcNet
    ? ((await readSysctl('net/ipv4/ip_local_port_range')).split(/\s+/).map(Number) as [number, number])
    : null;
  const inRange = (port: number) => (ephemeralRange ? port >= ephemeralRange[0] && port <= ephemeralRange[1] : null);

  const serverReads: ServerRead[] = [];
  const server = await startPongServer(serverReads);
  const clients: Socket[] = [];
  try {
    const { port } = server.address() as AddressInfo;

    // socket() and connect() in one call; no bind(), so the kernel picks the source port.
    const client = await connected({ host: HOST, port }, 'the client to connect');
    clients.push(client);
    const ephemeral = { local: endpointOf(client), inRange: inRange(client.localPort!) };
    // write() a request, read() the reply: ROUNDS times on the one connection.
    const roundsSeen = await exchange(client, rounds, serverReads);

    // bind() first, then connect(): the source port is the one we chose, even outside the range.

    const { socket: bound, requested } = await connectBoundFirst(port, ephemeralRange?.[0] ?? 32768);
    clients.push(bound);
    const boundFirst = { requested, local: endpointOf(bound), inRange: inRange(bound.localPort!) };

    return {
      server: { address: HOST, port },
      ephemeralRange,
      ephemeral,
      rounds: roundsSeen,
      boundFirst,
      // connect() where nothing listens: the kernel's RST comes back at once, as ECONNREFUSED.
      refused: await connectRefused(),
      // connect() to a full accept queue: the SYN is dropped and nothing comes back until a timer fires.
      unanswered: hasProcNet ? await connectUnanswered(connectTimeoutMs, whileSynSent) : null,
    };
  } finally {
    for (const client of clients) client.destroy();
    await within(new Promise((resolve) => server.close(resolve)), STEP_TIMEOUT_MS, 'the server to close');
  }
}

/** ROUNDS request/response exchanges on one connection: write a line, read the reply line. */
async function exchange(client: Socket, rounds: number, serverReads: ServerRead[]): Promise<Round[]> {
  const replies = createInterface({ input: client })[Symbol.asyncIterator]();
  const result: Round[] = [];
  for (let round = 1; round <= rounds; round++) {
    const sent = `ping ${round}`;
    const start = performance.now();
    client.write(`${sent}\n`);
    const reply = await within(replies.next(), STEP_TIMEOUT_MS, `the reply to "${sent}"`);
    // The server read this round's line before it wrote the reply the client just read.
    const { line: serverRead, peerPort } = serverReads[round - 1];
    result.push({
      sent,
      serverRead,
      reply: String(reply.value),
      clientPort: peerPort,
      roundTripUs: elapsedSince(start) * 1000,
    });
  }
  return result;
}

/** Connects from a port below the ephemeral range, trying the next lower one while a port is taken. */
export async function connectBoundFirst(
  port: number,
  belowPort: number,
): Promise<{ socket: Socket; requested: Endpoint }> {
  for (let localPort = belowPort - 1; localPort >= belowPort - BIND_ATTEMPTS; localPort--) {
    try {
      const socket = await connected(
        { host: HOST, port, localAddress: HOST, localPort },
        `a connection bound to ${HOST}:${localPort}`,
      );
      return { socket, requested: { address: HOST, port: localPort } };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
  throw new Error(`ports ${belowPort - BIND_ATTEMPTS} to ${belowPort - 1} are all taken on ${HOST}`);
}

/** connect() to port 0: no socket can listen there, so the kernel answers the SYN with RST. */
async function connectRefused(): Promise<RefusedObservations> {
  const resetsBefore = hasProcNet ? (await readCounters())['Tcp.OutRsts'] : 0;
  const start = performance.now();
  const socket = createConnection({ host: HOST, port: 0 });
  try {
    const [error] = (await onceWithin(socket, 'error', STEP_TIMEOUT_MS, 'the refusal')) as [NodeJS.ErrnoException];
    const afterMs = elapsedSince(start);
    return {
      code: error.code!,
      afterMs,
      outRstsDelta: hasProcNet ? (await readCounters())['Tcp.OutRsts'] - resetsBefore : null,
    };
  } finally {
    socket.destroy();
  }
}

/**
 * connect() to a stalled listener whose accept queue is full. The kernel drops the SYN, so
 * nothing comes back: no connect, no error. Our own connect timer ends the wait with destroy().
 */
async function connectUnanswered(timeoutMs: number, whileSynSent?: SynSentHook): Promise<UnansweredObservations> {
  const listener = await startStalledListener({ backlog: STALLED_BACKLOG });
  const queueFillers: Socket[] = [];
  let client: Socket | undefined;
  let connectTimer: NodeJS.Timeout | undefined;
  try {
    queueFillers.push(...(await fillAcceptQueue(listener)).map((filler) => filler.socket));
    const overflowsBefore = (await readCounters())['TcpExt.ListenOverflows'];

    const eventsBeforeTimer: string[] = [];
    const start = performance.now();
    client = createConnection({ host: HOST, port: listener.port });
    for (const event of ['connect', 'error', 'close'] as const) client.once(event, () => eventsBeforeTimer.push(event));
    const connecting = client;
    // The connect timer: the only thing that will end this wait before the kernel's own limit.
    const timerFired = new Promise<number>(
      (resolve) => (connectTimer = setTimeout(() => resolve(elapsedSince(start)), timeoutMs)),
    );

    const row = await until(() => synSentRow(listener.port), STEP_TIMEOUT_MS, 'the client to show up in SYN_SENT');
    await whileSynSent?.(row.localPort);
    const timerFiredAfterMs = await timerFired;
    const eventsSeen = [...eventsBeforeTimer];
    connecting.destroy();
    await onceWithin(connecting, 'close', STEP_TIMEOUT_MS, 'the client socket to close');
    const rowGoneAfterDestroy = (await synSentRow(listener.port)) === undefined;

    const synRetries = Number(await readSysctl('net/ipv4/tcp_syn_retries'));
    const synLinearTimeouts = await sysctlNumber('net/ipv4/tcp_syn_linear_timeouts', 0); // Linux 6.5+
    const rtoMaxMs = await sysctlNumber('net/ipv4/tcp_rto_max_ms', 120_000); // tunable since Linux 6.15
    return {
      listener: { address: listener.host, port: listener.port, backlog: listener.backlog, queued: queueFillers.length },
      timeoutMs,
      stateWhileWaiting: row.state,
      clientPort: row.localPort,
      eventsBeforeTimer: eventsSeen,
      timerFiredAfterMs,
      rowGoneAfterDestroy,
      listenOverflowsDelta: (await readCounters())['TcpExt.ListenOverflows'] - overflowsBefore,
      synRetries,
      synLinearTimeouts,
      rtoMaxMs,
      kernelGivesUpAfterS: synGiveUpSeconds(synRetries, synLinearTimeouts, rtoMaxMs / 1000),
    };
  } finally {
    clearTimeout(connectTimer); // still pending if a step above failed
    client?.destroy();
    for (const filler of queueFillers) filler.destroy();
    await listener.stop();
  }
}

// --- Instrumentation: the servers it talks to, the kernel's rows, counters and timers -----------

export interface Endpoint {
  address: string;
  port: number;
}

export interface Round {
  sent: string;
  serverRead: string;
  reply: string;
  /** The client's port as the server saw it on the connection that carried this round. */
  clientPort: number;
  roundTripUs: number;
}

export interface ConnectObservations {
  server: Endpoint;
  /** ip_local_port_range, where connect() takes a source port from; null off Linux. */
  ephemeralRange: [low: number, high: number] | null;
  /** A client that did not bind: the kernel picked its address and port at connect(). */
  ephemeral: { local: Endpoint; inRange: boolean | null };
  rounds: Round[];
  /** A client bound to a port of our choosing (below the ephemeral range) before connecting. */
  boundFirst: { requested: Endpoint; local: Endpoint; inRange: boolean | null };
  /** connect() to 127.0.0.1 port 0, where nothing can listen. */
  refused: RefusedObservations;
  /** connect() to a listener whose accept queue is full: the SYN is dropped. */
  unanswered: UnansweredObservations | null;
}

export interface RefusedObservations {
  code: string;
  afterMs: number;
  /** Growth of Tcp.OutRsts, the namespace-wide count of resets sent; null off Linux. */
  outRstsDelta: number | null;
}

export interface UnansweredObservations {
  listener: Endpoint & { backlog: number; queued: number };
  timeoutMs: number;
  /** The client's row in /proc/net/tcp while it waited. */
  stateWhileWaiting: string;
  clientPort: number;
  /** What the socket reported before our timer fired: nothing, if the SYN simply went unanswered. */
  eventsBeforeTimer: string[];
  timerFiredAfterMs: number;
  /** Whether the SYN_SENT row was gone from /proc/net/tcp once destroy() closed the socket. */
  rowGoneAfterDestroy: boolean;
  /** Growth of TcpExt.ListenOverflows, a namespace-wide count of SYNs dropped for a full accept queue. */
  listenOverflowsDelta: number;
  synRetries: number;
  synLinearTimeouts: number;
  rtoMaxMs: number;
  /** When the kernel itself would have given up (ETIMEDOUT), had no timer of ours ended the wait. */
  kernelGivesUpAfterS: number;
}

/** Runs while step 4's client waits in SYN_SENT (a test's outside tools look then). */
export type SynSentHook = (clientPort: number) => Promise<void>;

export interface ConnectOptions {
  rounds?: number;
  connectTimeoutMs?: number;
  whileSynSent?: SynSentHook;
}

/** The first SYN's retransmission timeout (TCP_TIMEOUT_INIT in the kernel). */
const INITIAL_SYN_RTO_S = 1;

/**
 * When a SYN_SENT socket whose SYNs all go unanswered fails with ETIMEDOUT, as the kernel's
 * retransmission timer works it out (net/ipv4/tcp_timer.c): it retransmits the SYN
 * tcp_syn_retries + tcp_syn_linear_timeouts times; the first tcp_syn_linear_timeouts + 1 waits
 * are the initial 1 s, then each wait doubles, capped at the maximum RTO; the error comes when
 * the wait after the last retransmission runs out. 6 and 0 (kernels before 6.5) give 127 s.
 */
export function synGiveUpSeconds(synRetries: number, linearTimeouts: number, rtoMaxS = 120): number {
  let total = 0;
  let rto = INITIAL_SYN_RTO_S;
  for (let wait = 1; wait <= synRetries + linearTimeouts + 1; wait++) {
    total += rto;
    if (wait > linearTimeouts) rto = Math.min(rto * 2, rtoMaxS);
  }
  return total;
}

/** A sysctl as a number, or `fallback` on a kernel that does not have it. */
export async function sysctlNumber(path: string, fallback: number): Promise<number> {
  try {
    return Number(await readSysctl(path));
  } catch {
    return fallback;
  }
}

const endpointOf = (socket: Socket): Endpoint => ({ address: socket.localAddress!, port: socket.localPort! });
const elapsedSince = (start: number) => performance.now() - start;

/** Connects with `options` and resolves on 'connect', or rejects with the socket's error. */
async function connected(options: NetConnectOpts, what: string): Promise<Socket> {
  const socket = createConnection(options);
  try {
    await onceWithin(socket, 'connect', STEP_TIMEOUT_MS, what);
    return socket;
  } catch (error) {
    socket.destroy();
    throw error;
  }
}

/** A line the server read, and the client port of the connection it came on. */
interface ServerRead {
  line: string;
  peerPort: number;
}

/** A server that answers each line "ping N" with "pong N", and notes every line it read. */
async function startPongServer(serverReads: ServerRead[]) {
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    createInterface({ input: socket }).on('line', (line) => {
      serverReads.push({ line, peerPort: socket.remotePort! });
      socket.write(`${line.replace(/^ping/, 'pong')}\n`);
    });
  });
  server.listen(0, HOST);
  await onceWithin(server, 'listening', STEP_TIMEOUT_MS, 'the server to listen');
  return server;
}

/** The client's row, found by its remote end: the listener's address and port. */
async function synSentRow(listenerPort: number) {
  return (await readTable('tcp', [listenerPort])).find(
    (row) => row.remoteAddress === HOST && row.remotePort === listenerPort && row.state === 'SYN_SENT',
  );
}

const at = (endpoint: Endpoint) => `${endpoint.address}:${endpoint.port}`;
const rangeNote = (inRange: boolean | null) =>
  inRange === null ? '' : inRange ? ', inside the ephemeral range' : ', outside the ephemeral range';

export function renderConnect(seen: ConnectObservations): Line[] {
  const { ephemeral, boundFirst, refused, unanswered } = seen;
  const lines: Line[] = [
    ['server', `listening on ${at(seen.server)}`],
    [
      'kernel',
      seen.ephemeralRange
        ? `ephemeral port range ${seen.ephemeralRange[0]}–${seen.ephemeralRange[1]} (net.ipv4.ip_local_port_range)`
        : 'ip_local_port_range is a Linux view; skipped here',
    ],
    [
      'client',
      `socket(), then connect() without bind(): the kernel gave it ` +
        `${at(ephemeral.local)}${rangeNote(ephemeral.inRange)}`,
    ],
  ];
  for (const round of seen.rounds) {
    lines.push(
      ['client', `write "${round.sent}" (from port ${round.clientPort})`],
      ['server', `read "${round.serverRead}", write "${round.reply}"`],
      ['client', `read "${round.reply}", ${Math.round(round.roundTripUs)} µs after writing`],
    );
  }
  lines.push(
    [
      'client',
      `bind() to ${at(boundFirst.requested)} first, then connect(): it connects from ` +
        `${at(boundFirst.local)}${rangeNote(boundFirst.inRange)}`,
    ],
    [
      'client',
      `connect() to ${HOST} port 0, where nothing listens: ${refused.code} after ${refused.afterMs.toFixed(1)} ` +
        `ms (the kernel answered the SYN with RST)`,
    ],
  );
  if (!unanswered) {
    lines.push(['client', 'the unanswered-SYN step reads /proc, which is Linux only; skipped here']);
    return lines;
  }
  const waitedFor =
    unanswered.eventsBeforeTimer.length === 0 ? 'no event at all' : `only ${unanswered.eventsBeforeTimer.join(', ')}`;
  lines.push(
    [
      'server',
      `stalled listener on ${at(unanswered.listener)}, backlog ${unanswered.listener.backlog}, its process ` +
        `stopped: it never calls accept()`,
    ],
    [
      'client',
      `${unanswered.listener.queued} clients connect to it anyway: the kernel completed their handshakes; the ` +
        `accept queue is now full`,
    ],
    ['client', `connect() to it; the connect timer is set to ${unanswered.timeoutMs} ms`],
    [
      'kernel',
      `client socket ${HOST}:${unanswered.clientPort} is ${unanswered.stateWhileWaiting}: its SYN was dropped ` +
        `(TcpExt.ListenOverflows ${unanswered.listenOverflowsDelta > 0 ? 'rose' : 'did not rise'}), nothing came back`,
    ],
    [
      'client',
      `connect timer fired after ${Math.round(unanswered.timerFiredAfterMs)} ms, with ${waitedFor} before it: ` +
        `destroy()`,
    ],
    [
      'kernel',
      `the SYN_SENT row is ${unanswered.rowGoneAfterDestroy ? 'gone' : 'STILL THERE'}: the socket closed ` +
        `without ever connecting`,
    ],
    [
      'kernel',
      `without our timer: tcp_syn_retries = ${unanswered.synRetries}, tcp_syn_linear_timeouts = ` +
        `${unanswered.synLinearTimeouts}, ` +
        `so the kernel's SYN retransmission timer would give up with ETIMEDOUT after ` +
        `${unanswered.kernelGivesUpAfterS} s (not waited for)`,
    ],
  );
  return lines;
}

/** Reads the flags into options; a bad value is a UsageError. */
function connectFlags(values: FlagValues): ConnectOptions {
  return {
    rounds: integerFlag(values, 'rounds', 1, MAX_ROUNDS),
    connectTimeoutMs: integerFlag(values, 'connect-timeout-ms', MIN_CONNECT_TIMEOUT_MS, MAX_CONNECT_TIMEOUT_MS),
  };
}

const NO_FULL_QUEUE = { unmeasured: 'the full-queue experiment is Linux only' };

/** The client's side of this run, as a Mermaid sequence diagram (`--mermaid`). */
export function mermaidConnect(seen: ConnectObservations): string[] {
  const at = (endpoint: Endpoint) => `${endpoint.address}:${endpoint.port}`;
  const range = seen.ephemeralRange ? `${seen.ephemeralRange[0]}-${seen.ephemeralRange[1]}` : 'the ephemeral range';
  const lines = [
    'sequenceDiagram',
    '    participant C as client',
    '    participant K as the kernel (both ends, on loopback)',
    '    participant S as server',
    `    C->>K: connect(${at(seen.server)}), no bind()`,
    `    Note over K: source ${at(seen.ephemeral.local)}, from ip_local_port_range ${range}`,
    '    K-->>C: connected: SYN, SYN-ACK, ACK',
    `    loop ${seen.rounds.length} rounds, all from port ${seen.ephemeral.local.port}`,
    '        C->>S: ping N',
    '        S->>C: pong N',
    '    end',
    `    C->>K: connect(${seen.server.address}:0), nothing can listen there`,
    `    K-->>C: RST: ${seen.refused.code} after ${seen.refused.afterMs.toFixed(1)} ms`,
  ];
  const { unanswered } = seen;
  if (unanswered)
    lines.push(
      `    C->>K: connect() to a listener whose accept queue is full (${unanswered.listener.queued} queued)`,
      `    Note over K: the SYN is dropped: ${unanswered.stateWhileWaiting}, no event, no error`,
      `    Note over C: our own timer fires after ${Math.round(unanswered.timerFiredAfterMs)} ms: destroy()`,
    );
  return lines;
}

/** Predict, then run: `npm run exercise -- 05`. */
export const EXERCISE = defineExercise({
  knobs: KNOBS,
  observe: ({ ROUNDS, CONNECT_TIMEOUT_MS }) => observeConnect({ rounds: ROUNDS, connectTimeoutMs: CONNECT_TIMEOUT_MS }),
  questions: [
    {
      id: 'ports-per-connection',
      kind: 'number',
      ask: ({ ROUNDS }) =>
        `A client connects once and exchanges ${ROUNDS} request-reply rounds. How many different local ports ` +
        'does it use?',
      measure: ({ rounds }) => new Set(rounds.map((round) => round.clientPort)).size,
      why: () => 'the port is chosen once, at connect(), and belongs to the connection until it closes',
    },
    {
      id: 'nobody-listens',
      kind: 'choice',
      ask: () => 'connect() to a port on 127.0.0.1 where nobody listens:',
      options: [
        ['ECONNREFUSED', 'fails at once with ECONNREFUSED'],
        ['ETIMEDOUT', 'fails with ETIMEDOUT after the kernel gives up'],
        ['pending', 'stays pending until your own timer ends it'],
      ],
      measure: ({ refused }) => refused.code,
      why: ({ refused }) =>
        `the kernel answers the SYN with a reset, and the reset arrives within ${refused.afterMs.toFixed(1)} ms`,
    },
    {
      id: 'state-while-waiting',
      kind: 'choice',
      ask: () => "connect() to a listener whose accept queue is full: the client's state while it waits?",
      options: [
        ['SYN_SENT', 'SYN_SENT'],
        ['SYN_RECV', 'SYN_RECV'],
        ['ESTABLISHED', 'ESTABLISHED'],
      ],
      measure: ({ unanswered }) => unanswered?.stateWhileWaiting ?? NO_FULL_QUEUE,
      why: () => 'its SYN was dropped, so no SYN-ACK came back: the client is still at the first step of the handshake',
    },
    {
      id: 'events-before-timer',
      kind: 'number',
      ask: ({ CONNECT_TIMEOUT_MS }) =>
        `The same wait, with your own timer of ${CONNECT_TIMEOUT_MS} ms. How many events ('connect' or 'error') ` +
        'does the socket emit before the timer fires?',
      measure: ({ unanswered }) => unanswered?.eventsBeforeTimer.length ?? NO_FULL_QUEUE,
      why: ({ unanswered }) =>
        `a dropped SYN sends nothing back; the kernel would retry for about ` +
        `${unanswered?.kernelGivesUpAfterS ?? '?'} s ` +
        '(tcp_syn_retries) before ETIMEDOUT',
    },
  ],
});

/** The command line, exported so tests can run it in-process. */
export const cli = defineScript({
  usage: `
Usage: npx tsx scripts/05-connect.ts [--rounds N] [--connect-timeout-ms MS] [--json | --mermaid]

The client's flow, socket → connect → write/read, on ${HOST}: where connect() takes its source
port from (with and without bind() first), ROUNDS request/response round trips on one
connection, connect() refused at once when nothing listens, and connect() to a listener whose
accept queue is full, where the SYN goes unanswered until our connect timer gives up.

--rounds N               request/response round trips (1-${MAX_ROUNDS}, default ${DEFAULT_ROUNDS})
--connect-timeout-ms MS  how long the client waits for an unanswered SYN
                         (${MIN_CONNECT_TIMEOUT_MS}-${MAX_CONNECT_TIMEOUT_MS}, default ${DEFAULT_CONNECT_TIMEOUT_MS})`,
  flags: {
    rounds: { type: 'string', default: String(DEFAULT_ROUNDS) },
    'connect-timeout-ms': { type: 'string', default: String(DEFAULT_CONNECT_TIMEOUT_MS) },
  },
  demo: (values) => observeConnect(connectFlags(values)),
  render: renderConnect,
  mermaid: mermaidConnect,
});

if (isMain(import.meta.url)) await runScript(cli);
