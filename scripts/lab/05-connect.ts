/**
 * The lab of 05-connect: runs the lesson (scripts/05-connect.ts) and shows what the kernel made of
 * its client: the source port against ip_local_port_range, the round trips, and the reset behind
 * ECONNREFUSED (Tcp.OutRsts, read at the refused connect() and at its error). Around the lesson it
 * adds what needs more than one process: a client bound first, and a SYN nobody answers, sent to
 * a stalled listener (a server frozen with SIGSTOP whose accept queue is full) until the client's
 * own connect timer gives up. Also --json, --mermaid and the questions of `npm run exercise -- 05`.
 */
import { createConnection, createServer, type AddressInfo, type NetConnectOpts, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { main } from '../05-connect.ts';
import { defineScript, integerFlag, isMain, runScript, type FlagValues, type Line, defineKnobs } from '../lib/cli.ts';
import { watchLesson } from '../lib/lab.ts';
import { hasProcNet, readCounters, readCountersNow, readSysctl, readTable, sysctlNumber } from '../lib/proc-net.ts';
import { defineExercise, same } from '../lib/questions.ts';
import { fillAcceptQueue, startStalledListener } from '../lib/stalled-listener.ts';
import { onceWithin, stretchedByLoad, until, within } from '../lib/wait.ts';
import { modelTimeoutMs } from '../lib/tcp-timers.ts';

const HOST = '127.0.0.1';
/** A bound on each step's event, longer on a loaded machine (taken when the lab loads). */
const STEP_TIMEOUT_MS = stretchedByLoad(2000);
/** The lesson ends in well under a second on loopback; the bound only keeps a broken one from hanging. */
const LESSON_TIMEOUT_MS = 30_000;
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

// --- Watching the lesson run, then what it leaves to the lab ------------------------------

/**
 * The client's side of TCP, four ways: the lesson's ordinary connect and exchange, and its
 * refused connect; then the lab's client bound first, and its unanswered one.
 */
export async function observeConnect({
  rounds = DEFAULT_ROUNDS,
  connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
  whileSynSent,
}: ConnectOptions = {}): Promise<ConnectObservations> {
  const ephemeralRange = hasProcNet
    ? ((await readSysctl('net/ipv4/ip_local_port_range')).split(/\s+/).map(Number) as [number, number])
    : null;
  const inRange = (port: number) => (ephemeralRange ? port >= ephemeralRange[0] && port <= ephemeralRange[1] : null);
  const lesson = await watchConnectLesson(rounds);
  const { server, client, refused } = lesson;
  return {
    server,
    ephemeralRange,
    ephemeral: { local: client, inRange: inRange(client.port) },
    rounds: lesson.rounds,
    // bind() first, then connect(): the source port is the one we chose, even outside the range.
    boundFirst: await observeBoundFirst(ephemeralRange?.[0] ?? 32768, inRange),
    refused,
    // connect() to a full accept queue: the SYN is dropped and nothing comes back until a timer fires.
    unanswered: hasProcNet ? await connectUnanswered(connectTimeoutMs, whileSynSent) : null,
  };
}

/** Runs the lesson and records its server, its client's own end, the round trips and the refusal. */
async function watchConnectLesson(rounds: number) {
  let server: Endpoint | undefined;
  const clients: Socket[] = [];
  let client: Endpoint | undefined;
  let refused: RefusedObservations | undefined;
  const printed = await within(
    watchLesson(() => main(rounds), {
      listening(listener) {
        const { address, port } = listener.address() as AddressInfo;
        server = { address, port };
      },
      connecting(socket) {
        clients.push(socket);
        if (clients.length === 1) socket.once('connect', () => (client = endpointOf(socket)));
        else watchRefusal(socket, (seen) => (refused = seen));
      },
    }),
    LESSON_TIMEOUT_MS,
    `the lesson to exchange ${rounds} rounds, be refused once and close everything`,
  );
  if (!server || !client || !refused)
    throw new Error('the lesson did not listen, connect one client and have a second one refused');
  return { server, client, refused, rounds: roundsFrom(printed) };
}

/** The refused client: how long its error took, and the resets the kernel sent meanwhile. */
function watchRefusal(socket: Socket, done: (seen: RefusedObservations) => void): void {
  const resetsBefore = hasProcNet ? readCountersNow()['Tcp.OutRsts'] : 0;
  const start = performance.now();
  socket.once('error', (error: NodeJS.ErrnoException) =>
    done({
      code: error.code!,
      afterMs: elapsedSince(start),
      outRstsDelta: hasProcNet ? readCountersNow()['Tcp.OutRsts'] - resetsBefore : null,
    }),
  );
}

/** The round trips as the lesson told them: the server's read (and the port it came from), the client's reply. */
function roundsFrom(printed: readonly string[]): Round[] {
  const serverReads = printed.flatMap((line) => {
    const match = /^server: read "(.*)" from port (\d+), write /.exec(line);
    return match ? [{ line: match[1], peerPort: Number(match[2]) }] : [];
  });
  return printed.flatMap((line) => {
    const match = /^client: wrote "(.*)", read "(.*)" (\d+) µs later$/.exec(line);
    if (!match) return [];
    const { line: serverRead, peerPort } = serverReads.shift() ?? { line: '', peerPort: 0 };
    return [{ sent: match[1], serverRead, reply: match[2], clientPort: peerPort, roundTripUs: Number(match[3]) }];
  });
}

/** A client bound to a port below the ephemeral range before it connects, to a listener of the lab's. */
async function observeBoundFirst(
  belowPort: number,
  inRange: (port: number) => boolean | null,
): Promise<ConnectObservations['boundFirst']> {
  const server = createServer((socket) => socket.on('error', () => socket.destroy()));
  server.listen(0, HOST);
  try {
    await onceWithin(server, 'listening', STEP_TIMEOUT_MS, 'the server to listen');
    const { socket, requested } = await connectBoundFirst((server.address() as AddressInfo).port, belowPort);
    const local = endpointOf(socket);
    socket.destroy();
    return { requested, local, inRange: inRange(local.port) };
  } finally {
    await within(new Promise((resolve) => server.close(resolve)), STEP_TIMEOUT_MS, 'the server to close');
  }
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
 * When a SYN_SENT socket whose SYNs all go unanswered fails with ETIMEDOUT, as the kernel works it
 * out (net/ipv4/tcp_timer.c). The first tcp_syn_linear_timeouts + 1 waits are the initial 1 s,
 * then each wait doubles, capped at the maximum RTO (tcp_retransmit_timer()). Each time the timer
 * fires, tcp_write_timeout() gives up before retransmitting once either limit is reached:
 * - the count: tcp_syn_retries + tcp_syn_linear_timeouts retransmissions made;
 * - the time (retransmits_timed_out()): after one retransmission at least, the time since the
 *   first SYN has reached what tcp_syn_retries retransmissions take with doubling waits from 1 s,
 *   linear ones left out (tcp_model_timeout()).
 * 6 and 4 (the defaults since Linux 6.5) give 131 s, 6 and 0 give 127 s; 1 and 4 give 3 s, where
 * the time limit comes first.
 */
export function synGiveUpSeconds(synRetries: number, linearTimeouts: number, rtoMaxS = 120): number {
  const retransmissionLimit = synRetries + linearTimeouts;
  const timeLimit = modelTimeoutMs(synRetries, INITIAL_SYN_RTO_S * 1000, rtoMaxS * 1000) / 1000;
  let elapsed = 0;
  let rto = INITIAL_SYN_RTO_S;
  for (let retransmitted = 0; ; retransmitted++) {
    elapsed += rto;
    if (retransmitted >= retransmissionLimit || (retransmitted > 0 && elapsed >= timeLimit)) return elapsed;
    if (retransmitted >= linearTimeouts) rto = Math.min(rto * 2, rtoMaxS);
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

const NO_FULL_QUEUE = {
  unmeasured: {
    en: 'the full-queue experiment is Linux only',
    ko: '가득 찬 큐 실험은 리눅스에서만 한다',
  },
};

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
      ask: {
        en: ({ ROUNDS }) =>
          `A client connects once and exchanges ${ROUNDS} request-reply rounds. How many different local ports ` +
          'does it use?',
        ko: ({ ROUNDS }) =>
          `클라이언트가 한 번 연결해서 요청과 응답을 ${ROUNDS}번 주고받는다. 서로 다른 로컬 포트를 몇 개 쓰나?`,
      },
      measure: ({ rounds }) => new Set(rounds.map((round) => round.clientPort)).size,
      why: {
        en: () => 'the port is chosen once, at connect(), and belongs to the connection until it closes',
        ko: () => '포트는 connect() 때 한 번 정해지고, 연결이 닫힐 때까지 그 연결의 것이다',
      },
    },
    {
      id: 'nobody-listens',
      kind: 'choice',
      ask: {
        en: () => 'connect() to a port on 127.0.0.1 where nobody listens:',
        ko: () => '아무도 listen하지 않는 127.0.0.1의 포트로 connect()하면:',
      },
      options: [
        ['ECONNREFUSED', { en: 'fails at once with ECONNREFUSED', ko: '곧바로 ECONNREFUSED로 실패한다' }],
        [
          'ETIMEDOUT',
          { en: 'fails with ETIMEDOUT after the kernel gives up', ko: '커널이 포기한 뒤 ETIMEDOUT으로 실패한다' },
        ],
        [
          'pending',
          { en: 'stays pending until your own timer ends it', ko: '내 타이머가 끝낼 때까지 대기 중으로 남는다' },
        ],
      ],
      measure: ({ refused }) => refused.code,
      why: {
        en: ({ refused }) =>
          `the kernel answers the SYN with a reset, and the reset arrives within ${refused.afterMs.toFixed(1)} ms`,
        ko: ({ refused }) =>
          `커널이 SYN에 리셋(RST)으로 답하고, 그 리셋은 ${refused.afterMs.toFixed(1)} ms 안에 도착한다`,
      },
    },
    {
      id: 'state-while-waiting',
      kind: 'choice',
      ask: {
        en: () => "connect() to a listener whose accept queue is full: the client's state while it waits?",
        ko: () => 'accept 큐가 가득 찬 리스너로 connect()한다. 기다리는 동안 클라이언트의 상태는?',
      },
      options: [
        ['SYN_SENT', same('SYN_SENT')],
        ['SYN_RECV', same('SYN_RECV')],
        ['ESTABLISHED', same('ESTABLISHED')],
      ],
      measure: ({ unanswered }) => unanswered?.stateWhileWaiting ?? NO_FULL_QUEUE,
      why: {
        en: () =>
          'its SYN was dropped, so no SYN-ACK came back: the client is still at the first step of the handshake',
        ko: () => 'SYN이 버려져서 SYN-ACK가 돌아오지 않았다. 클라이언트는 아직 핸드셰이크의 첫 단계에 있다',
      },
    },
    {
      id: 'events-before-timer',
      kind: 'number',
      ask: {
        en: ({ CONNECT_TIMEOUT_MS }) =>
          `The same wait, with your own timer of ${CONNECT_TIMEOUT_MS} ms. How many events ('connect' or ` +
          "'error') does the socket emit before the timer fires?",
        ko: ({ CONNECT_TIMEOUT_MS }) =>
          `같은 상황에서 내 타이머를 ${CONNECT_TIMEOUT_MS} ms로 걸었다. 타이머가 울리기 전에 소켓이 내는 ` +
          "이벤트('connect'나 'error')는 몇 개인가?",
      },
      measure: ({ unanswered }) => unanswered?.eventsBeforeTimer.length ?? NO_FULL_QUEUE,
      why: {
        en: ({ unanswered }) =>
          `a dropped SYN sends nothing back; the kernel would retry for about ` +
          `${unanswered?.kernelGivesUpAfterS ?? '?'} s (tcp_syn_retries) before ETIMEDOUT`,
        ko: ({ unanswered }) =>
          `버려진 SYN에는 아무 답도 오지 않는다. 커널은 ETIMEDOUT을 내기 전까지 약 ` +
          `${unanswered?.kernelGivesUpAfterS ?? '?'}초 동안 다시 시도한다(tcp_syn_retries)`,
      },
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

/** Runs the lab's command line: the lesson calls this when it runs as a program in the project. */
export const run = () => runScript(cli);

if (isMain(import.meta.url)) await run();
