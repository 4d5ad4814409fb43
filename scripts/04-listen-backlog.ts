/**
 * @title What listen(backlog) bounds: the accept queue
 * @concept listen(backlog) bounds the queue of connections the kernel has already completed and that wait for accept();
 *   on Linux it holds backlog + 1, and a SYN that finds it full is dropped, not refused.
 * @notes #23-what-listenbacklog-bounds-04-listen-backlog
 * @run npx tsx scripts/04-listen-backlog.ts
 * @resource https://man7.org/linux/man-pages/man2/listen.2.html
 * @resource https://man7.org/linux/man-pages/man7/tcp.7.html
 * @resource https://nodejs.org/api/net.html#serverlistenoptions-callback
 * @knobs BACKLOG (the listen() backlog; default 3), EXTRA (clients beyond the queue; default 2, at most BACKLOG + 1)
 *
 * A server in a child process listens, then is frozen with SIGSTOP, so it cannot call accept().
 * Clients connect one at a time. The kernel completes the 3-way handshake for the first
 * backlog + 1 of them on its own; the SYNs of the others are dropped. The server then resumes
 * with SIGCONT, accepts the queue, and the waiting clients get in when their SYN is retransmitted.
 *
 * Other scripts reuse `startStalledListener` and `fillAcceptQueue` for "a listener that cannot
 * accept" (a SYN nobody answers, a connection the server never accepted).
 */
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  defineScript,
  integerFlag,
  isMain,
  runScript,
  UsageError,
  type FlagValues,
  type Line,
  defineKnobs,
} from './lib/cli.ts';
import { startNodeChild } from './lib/child.ts';
import { hasProcNet, readCounters, readSysctl, readTable, type SocketRow } from './lib/proc-net.ts';
import { label } from './lib/mermaid.ts';
import { defineExercise } from './lib/questions.ts';
import { findTool, runTool } from './lib/tools.ts';
import { onceWithin, untilTrue } from './lib/wait.ts';

const HOST = '127.0.0.1';
export const DEFAULT_BACKLOG = 3;
export const DEFAULT_EXTRA = 2;
export const MAX_BACKLOG = 128;
/** The burst after the resume must fit the queue again, or its own SYNs are dropped. */
function checkBurst(backlog: number, extra: number, names: { backlog: string; extra: string }): void {
  if (extra > backlog + 1)
    throw new UsageError(`${names.extra} must be at most ${names.backlog} + 1 = ${backlog + 1}, got ${extra}`);
}
/** The exercise's knobs: the same numbers and ranges as --backlog and --extra. */
export const KNOBS = defineKnobs(
  {
    BACKLOG: { fallback: DEFAULT_BACKLOG, min: 1, max: MAX_BACKLOG },
    EXTRA: { fallback: DEFAULT_EXTRA, min: 0, max: MAX_BACKLOG + 1 },
  },
  ({ BACKLOG, EXTRA }) => checkBurst(BACKLOG, EXTRA, { backlog: 'BACKLOG', extra: 'knob EXTRA' }),
);
const STEP_TIMEOUT_MS = 2000;
/**
 * A dropped SYN is sent again when the client's retransmission timer fires: after 1 s, and since
 * Linux 6.5 at 1 s intervals for the first tcp_syn_linear_timeouts retransmissions (doubling before).
 */
const INITIAL_SYN_RTO_MS = 1000;
/** Long enough for the first SYN retransmission, with room for a busy machine. */
const RETRANSMIT_WAIT_MS = 3 * INITIAL_SYN_RTO_MS;

// --- The lesson: listen(backlog) and a server that never calls accept() ------------------------

/** Fills a stalled listener's accept queue and goes beyond it, then lets it accept; records what each client saw. */
export async function observeListenBacklog({
  backlog = DEFAULT_BACKLOG,
  extra = DEFAULT_EXTRA,
} = {}): Promise<BacklogObservations> {
  // socket() + bind() + listen(backlog) in a child process, which SIGSTOP then freezes: no accept() from here on.
  const listener = await startStalledListener({ backlog });
  const clients: TrackedClient[] = [];
  try {
    const sysctl = {
      somaxconn: Number(await readSysctl('net/core/somaxconn')),
      syncookies: Number(await readSysctl('net/ipv4/tcp_syncookies')),
      abortOnOverflow: Number(await readSysctl('net/ipv4/tcp_abort_on_overflow')),
    };
    const ss = await findTool('ss');
    const overflowsBefore = (await readCounters())['TcpExt.ListenOverflows'];
    // connect() until the accept queue is full: backlog + 1 handshakes complete, and nobody has called accept().
    clients.push(...(await fillAcceptQueue(listener)));
    // connect() beyond that: the kernel drops each SYN (no RST, so no ECONNREFUSED), and the clients' timers resend.
    for (let dropped = 1; dropped <= extra; dropped++) {
      clients.push(startClient(listener.port));
      // No event marks a dropped SYN; the namespace-wide counter does (other traffic can only end this wait early).
      await untilTrue(
        async () => (await readCounters())['TcpExt.ListenOverflows'] - overflowsBefore >= dropped,
        INITIAL_SYN_RTO_MS / 2,
        `the kernel to count dropped SYN number ${dropped}`,
      );
    }
    const lastConnectAt = performance.now();

    // The kernel's view while nobody has called accept().
    // By address and port: another test or program may use the same port number on another address.
    const rows = (await readTable('tcp', [listener.port])).filter(
      (row) =>
        (row.localAddress === listener.host && row.localPort === listener.port) ||
        (row.remoteAddress === listener.host && row.remotePort === listener.port),
    );
    const listenOverflowsDelta = (await readCounters())['TcpExt.ListenOverflows'] - overflowsBefore;
    // The same moment seen from outside (ss reads sock_diag), and a second listener asking for more than somaxconn.
    const capAsked = sysctl.somaxconn + 1;
    const ssViews = ss
      ? {
          stalled: await ssListener(ss, listener.port),
          cap: { asked: capAsked, sendQ: await cappedBacklog(ss, capAsked) },
        }
      : null;
    const connectedBeforeAccept = clients.map((client) => client.connectedAfterMs !== undefined);
    const stoppedForMs = performance.now() - lastConnectAt;

    // SIGCONT: the server's accept() takes the queue in order, and the resent SYNs find room again.
    await listener.resume();
    const acceptOrder: number[] = [];
    for (let i = 0; i < clients.length; i++) acceptOrder.push(await listener.nextAccepted(RETRANSMIT_WAIT_MS));
    const stillConnecting = clients.filter((client) => client.connectedAfterMs === undefined);
    await Promise.all(
      stillConnecting.map((client) =>
        onceWithin(client.socket, 'connect', RETRANSMIT_WAIT_MS, 'a waiting client to connect'),
      ),
    );

    const port = listener.port;
    return {
      backlog,
      extra,
      sysctl,
      server: { pid: listener.pid, host: HOST, port },
      // The stopped server's child is alive, so its LISTEN row is there; every client has a row (ESTABLISHED or
      // SYN_SENT).
      acceptQueueLength: rows.find((row) => row.state === 'LISTEN')!.rxQueue,
      clients: clients.map((client, i) => {
        const clientPort = client.socket.localPort!;
        return {
          number: i + 1,
          port: clientPort,
          clientState: rows.find((row) => row.localPort === clientPort && row.remotePort === port)!.state,
          serverEndState: rows.find((row) => row.localPort === port && row.remotePort === clientPort)?.state ?? null,
          connectedBeforeAccept: connectedBeforeAccept[i],
          // Every client connected and was accepted by now: the waits above fail otherwise.
          connectedAfterMs: client.connectedAfterMs!,
          acceptedAs: acceptOrder.indexOf(clientPort) + 1,
          errorCode: client.errorCode ?? null,
        };
      }),
      listenOverflowsDelta,
      stoppedForMs,
      ss: ssViews,
    };
  } finally {
    for (const client of clients) client.socket.destroy();
    await listener.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// A listener that cannot accept (exported for 05 and 09)
// ---------------------------------------------------------------------------------------------

/** The server, a module of its own run as a child process: see children/04-stalled-listener.ts. */
const STALLED_LISTENER = new URL('./children/04-stalled-listener.ts', import.meta.url);

export interface StalledListener {
  readonly host: string;
  readonly port: number;
  /** The PID of the child process that owns the listening socket. */
  readonly pid: number;
  /** The backlog passed to listen(). */
  readonly backlog: number;
  /** The client port of the next connection the server accepted; only after resume(). */
  nextAccepted(ms: number): Promise<number>;
  /** Wakes the server with SIGCONT; it then accepts everything in its queue. */
  resume(): Promise<void>;
  /** Kills the server (its queued connections get a reset) and waits until it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts a TCP listener on `host` (127.0.0.1 by default), port 0, with listen(`backlog`), in a
 * child process that is then frozen with SIGSTOP: the kernel still completes handshakes into its
 * accept queue, but nobody calls accept() until `resume()`. Resolves once the child is really
 * stopped (state T in /proc/PID/stat). Linux only. Always call `stop()` (in a finally or t.after).
 */
export async function startStalledListener({
  backlog,
  host = HOST,
}: {
  backlog: number;
  host?: string;
}): Promise<StalledListener> {
  /* c8 ignore next: off Linux there is no /proc to see the stop or the queue; say so in one line */
  if (!hasProcNet)
    throw new Error('this lesson freezes a listener and reads its queue through /proc, which is Linux only');
  const child = await startNodeChild({ module: STALLED_LISTENER, args: [host, String(backlog)] });
  try {
    const ready = await child.next<{ listening: number } | { failed: string }>(
      STEP_TIMEOUT_MS,
      'the stalled server to listen',
    );
    if ('failed' in ready) throw new Error(`the stalled server cannot listen on ${host}: ${ready.failed}`);
    const port = ready.listening;
    await child.freeze();
    return {
      host,
      port,
      pid: child.pid,
      backlog,
      async nextAccepted(ms: number): Promise<number> {
        return (await child.next<{ accepted: number }>(ms, 'the server to accept a connection')).accepted;
      },
      resume: () => child.thaw(),
      stop: () => child.stop(),
    };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

/** The listening row of `port` in /proc/net/tcp; its rx_queue is the accept queue's length. */
async function listenerRow(port: number, host = HOST): Promise<SocketRow | undefined> {
  return (await readTable('tcp', [port])).find(
    (row) => row.state === 'LISTEN' && row.localPort === port && row.localAddress === host,
  );
}

/** Waits until the accept queue of the listener on `port` holds exactly `length` connections. */
async function awaitAcceptQueue(port: number, length: number, host = HOST): Promise<void> {
  await untilTrue(
    async () => (await listenerRow(port, host))?.rxQueue === length,
    STEP_TIMEOUT_MS,
    `the accept queue to hold ${length}`,
  );
}

/** A client connection with what happened to it, for the demos to report. */
export interface TrackedClient {
  readonly socket: Socket;
  /** Milliseconds from connect() to its 'connect' event, once that came. */
  connectedAfterMs?: number;
  /** The error code, if the connection failed (ECONNREFUSED, ECONNRESET, ...). */
  errorCode?: string;
}

/** Calls connect() and records when it resolves or fails, without waiting for either. */
export function startClient(port: number, host = HOST): TrackedClient {
  const startedAt = performance.now();
  const client: TrackedClient = { socket: createConnection({ host, port }) };
  client.socket.once('connect', () => (client.connectedAfterMs = performance.now() - startedAt));
  client.socket.on('error', (error: NodeJS.ErrnoException) => (client.errorCode ??= error.code));
  return client;
}

/**
 * Connects backlog + 1 clients to a stalled listener, one at a time, each confirmed by the
 * listener's accept-queue length in /proc/net/tcp. Afterwards the queue is full: the next SYN
 * to this listener is dropped and that client stays in SYN_SENT until the server accepts.
 * The caller destroys the returned sockets.
 */
export async function fillAcceptQueue(
  listener: Pick<StalledListener, 'host' | 'port' | 'backlog'>,
): Promise<TrackedClient[]> {
  const clients: TrackedClient[] = [];
  try {
    for (let queued = 1; queued <= listener.backlog + 1; queued++) {
      const client = startClient(listener.port, listener.host);
      clients.push(client);
      await onceWithin(
        client.socket,
        'connect',
        STEP_TIMEOUT_MS,
        `client ${queued} to connect to the stalled listener`,
      );
      await awaitAcceptQueue(listener.port, queued, listener.host);
    }
    return clients;
  } catch (error) {
    for (const client of clients) client.socket.destroy();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// The outside witness: ss reads the listener through sock_diag, where Send-Q is the backlog
// ---------------------------------------------------------------------------------------------

export interface SsListener {
  /** Connections waiting for accept(). */
  recvQ: number;
  /** For a listener, ss shows the accept queue's limit here: the backlog, after the somaxconn cap. */
  sendQ: number;
  /** Packets this listening socket dropped (the `d` of skmem): here, the SYNs that found the queue full. */
  drops: number;
}

/** Asks `ss -ltnm` about the listener on `port`; an error when ss shows none. */
export async function ssListener(ss: string, port: number): Promise<SsListener> {
  const { stdout, code } = await runTool(ss, ['-ltnmH', `sport = :${port}`]);
  // The listener's row, then its memory line: "LISTEN 4 3 127.0.0.1:PORT 0.0.0.0:*\n\tskmem:(r0,...,bl0,d2)".
  const row = /^LISTEN\s+(\d+)\s+(\d+)\s[\s\S]*?skmem:\([^)]*\bd(\d+)\)/.exec(stdout);
  if (!row) throw new Error(`ss shows no listener on port ${port} (ss exit code ${code})`);
  return { recvQ: Number(row[1]), sendQ: Number(row[2]), drops: Number(row[3]) };
}

// ---------------------------------------------------------------------------------------------
// The demo
// ---------------------------------------------------------------------------------------------

export interface ClientFate {
  /** 1-based, in connect order. */
  number: number;
  port: number;
  /** Before the server resumed: the client's own row, and the server's end of it (null: none). */
  clientState: string;
  serverEndState: string | null;
  /** True if connect() had resolved before the server ever called accept(). */
  connectedBeforeAccept: boolean;
  connectedAfterMs: number;
  /** Position in the server's accept order, 1-based. */
  acceptedAs: number;
  errorCode: string | null;
}

/** What ss (sock_diag) adds: the stalled listener seen from outside, and a listen() above somaxconn. */
export interface SsViews {
  stalled: SsListener;
  cap: { asked: number; sendQ: number };
}

export interface BacklogObservations {
  backlog: number;
  extra: number;
  sysctl: { somaxconn: number; syncookies: number; abortOnOverflow: number };
  server: { pid: number; host: string; port: number };
  /** The listener's rx_queue in /proc/net/tcp while the server was stopped. */
  acceptQueueLength: number;
  clients: ClientFate[];
  /** Namespace-wide; other traffic can only add to it. */
  listenOverflowsDelta: number;
  /** How long the server stayed stopped after the last client called connect(). */
  stoppedForMs: number;
  /** Taken while the server was stopped; null without ss. */
  ss: SsViews | null;
}

/** Opens a listener with `backlog` in this process and returns ss's Send-Q for it: the limit the kernel kept. */
async function cappedBacklog(ss: string, backlog: number): Promise<number> {
  const server = createServer();
  server.listen({ host: HOST, port: 0, backlog });
  try {
    await onceWithin(server, 'listening', STEP_TIMEOUT_MS, 'the capped listener');
    return (await ssListener(ss, (server.address() as AddressInfo).port)).sendQ;
  } finally {
    server.close();
  }
}

const ms = (value: number) => `${Math.round(value)} ms`;
const list = (fates: ClientFate[]) => fates.map((fate) => `#${fate.number}`).join(', ');

export function renderListenBacklog(seen: BacklogObservations): Line[] {
  const { backlog, sysctl, server } = seen;
  const queued = seen.clients.filter((fate) => fate.connectedBeforeAccept);
  const waiting = seen.clients.filter((fate) => !fate.connectedBeforeAccept);
  const lines: Line[] = [
    [
      'kernel',
      `net.core.somaxconn ${sysctl.somaxconn} (the cap on any backlog), net.ipv4.tcp_syncookies ` +
        `${sysctl.syncookies} (SYN cookies once a SYN queue overflows), net.ipv4.tcp_abort_on_overflow ` +
        `${sysctl.abortOnOverflow} (${sysctl.abortOnOverflow ? 'reset' : 'no reset for'} a connection the full ` +
        'accept queue cannot take)',
    ],
    [
      'server',
      `pid ${server.pid} listens on ${server.host}:${server.port} with backlog ${backlog}, then is stopped ` +
        `(SIGSTOP): no accept() from now on`,
    ],
  ];
  for (const fate of seen.clients) {
    const outcome = fate.connectedBeforeAccept
      ? `connect() resolved after ${ms(fate.connectedAfterMs)}`
      : 'connect() still pending';
    lines.push(['client', `#${fate.number} from ${server.host}:${fate.port}: ${outcome}`]);
  }
  lines.push([
    'kernel',
    `LISTEN ${server.host}:${server.port} rx_queue ${seen.acceptQueueLength}: connections waiting for accept() ` +
      `(backlog ${backlog} + 1)`,
  ]);
  for (const fate of seen.clients) {
    const serverEnd = fate.serverEndState
      ? `the server's end ${fate.serverEndState}, waiting in the accept queue`
      : 'no server end: its SYN was dropped, no RST sent';
    lines.push(['kernel', `#${fate.number} ${fate.clientState}, ${serverEnd}`]);
  }
  lines.push([
    'kernel',
    `TcpExt.ListenOverflows +${seen.listenOverflowsDelta} (namespace-wide; this demo adds one per dropped SYN: ` +
      `${seen.extra})`,
  ]);
  lines.push(
    seen.ss
      ? [
          'ss',
          `LISTEN Recv-Q ${seen.ss.stalled.recvQ} (queued) Send-Q ${seen.ss.stalled.sendQ} (the backlog), ` +
            `${seen.ss.stalled.drops} SYNs dropped by this listener`,
        ]
      : ['ss', 'not installed (apt-get install iproute2): no Send-Q or per-listener drop view'],
  );
  const firstAccepted = seen.clients
    .filter((fate) => fate.acceptedAs <= queued.length)
    .sort((a, b) => a.acceptedAs - b.acceptedAs);
  const inConnectOrder = firstAccepted.every((fate, i) => fate.number === i + 1);
  lines.push([
    'server',
    `resumed (SIGCONT) after ${ms(seen.stoppedForMs)}; accept() took ${list(firstAccepted)} ` +
      `first${inConnectOrder ? ', in connect order' : ''}`,
  ]);
  if (waiting.length > 0) {
    lines.push([
      'kernel',
      `${list(waiting)} wait for their SYN retransmission timer (initial RTO ${INITIAL_SYN_RTO_MS / 1000} s)`,
    ]);
    for (const fate of waiting)
      lines.push([
        'client',
        `#${fate.number} connect() resolved after ${ms(fate.connectedAfterMs)}: the retransmitted SYN found room`,
      ]);
  }
  const failed = seen.clients.filter((fate) => fate.errorCode !== null).length;
  lines.push([
    'server',
    `accepted all ${seen.clients.length} clients; ` +
      `${failed === 0 ? 'no client saw an error (no ECONNREFUSED)' : `${failed} saw an error`}`,
  ]);
  lines.push(
    seen.ss
      ? [
          'kernel',
          `listen() with backlog ${seen.ss.cap.asked} > somaxconn ${sysctl.somaxconn}: ss shows Send-Q ` +
            `${seen.ss.cap.sendQ}, the kernel capped it`,
        ]
      : ['kernel', 'the somaxconn cap is visible only through ss (sock_diag); skipped'],
  );
  return lines;
}

/** Who got into the accept queue, whose SYN was dropped, and how they got in later, as a Mermaid flowchart. */
export function mermaidBacklog(seen: BacklogObservations): string[] {
  const { server, backlog } = seen;
  const lines = [
    'flowchart LR',
    `    Q[${label(
      `accept queue of ${server.host}:${server.port}: ${seen.acceptQueueLength} connections, ` +
        `ESTABLISHED<br/>backlog ${backlog} + 1, server stopped: no accept()`,
    )}]`,
    `    D((${label(`SYN dropped, no RST<br/>TcpExt.ListenOverflows +${seen.listenOverflowsDelta}`)}))`,
    `    S[${label(`server pid ${server.pid}, after SIGCONT`)}]`,
  ];
  for (const fate of seen.clients) {
    lines.push(`    C${fate.number}[${label(`client #${fate.number}`)}]`);
    if (fate.connectedBeforeAccept) lines.push(`    C${fate.number} -- "SYN, SYN-ACK, ACK" --> Q`);
    else
      lines.push(
        `    C${fate.number} -. "SYN" .-> D`,
        `    C${fate.number} -- ${label(`retransmitted SYN: in after ${ms(fate.connectedAfterMs)}`)} --> Q`,
      );
  }
  lines.push('    Q -- "accept()" --> S');
  return lines;
}

/** The flags, checked: --extra may not exceed backlog + 1 (a bigger burst would overflow again after the resume). */
function backlogFlags(values: FlagValues): { backlog: number; extra: number } {
  const backlog = integerFlag(values, 'backlog', 1, MAX_BACKLOG);
  const extra = integerFlag(values, 'extra', 0, MAX_BACKLOG + 1);
  checkBurst(backlog, extra, { backlog: 'backlog', extra: '--extra' });
  return { backlog, extra };
}

const waitingClients = (seen: BacklogObservations) => seen.clients.filter((fate) => !fate.connectedBeforeAccept);
const NO_EXTRA = { unmeasured: 'EXTRA=0: no client went beyond the queue' };

/** Predict, then run: `npm run exercise -- 04`. */
export const EXERCISE = defineExercise({
  knobs: KNOBS,
  observe: ({ BACKLOG, EXTRA }) => observeListenBacklog({ backlog: BACKLOG, extra: EXTRA }),
  questions: [
    {
      id: 'connected-before-accept',
      kind: 'number',
      ask: ({ BACKLOG, EXTRA }) =>
        `A server listens with BACKLOG=${BACKLOG} and never calls accept(). ${BACKLOG + 1 + EXTRA} clients ` +
        'connect, one after another. How many of their connect() calls succeed before the server calls accept()?',
      measure: (seen) => seen.clients.filter((fate) => fate.connectedBeforeAccept).length,
      why: () =>
        'the kernel completes the handshake on its own while the accept queue has room, and on Linux the queue is ' +
        'full only when it holds more than the backlog (backlog + 1)',
    },
    {
      id: 'send-q',
      kind: 'number',
      ask: ({ BACKLOG }) => `What does \`ss -ltn\` print as Send-Q for that listener (listen backlog ${BACKLOG})?`,
      measure: (seen) => seen.ss?.stalled.sendQ ?? { unmeasured: 'ss is not installed' },
      why: () => "for a listening socket ss shows the accept queue's limit as Send-Q: the backlog, after the cap",
    },
    {
      id: 'beyond-the-queue',
      kind: 'choice',
      ask: () => 'What happens to a client that connects while the accept queue is full?',
      options: [
        ['refused', 'connect() fails at once with ECONNREFUSED'],
        ['waits', 'connect() stays pending and succeeds after the server starts accepting'],
        ['timeout', 'connect() fails with ETIMEDOUT'],
      ],
      measure: (seen) => {
        const waiting = waitingClients(seen);
        if (waiting.length === 0) return NO_EXTRA;
        // Every waiting client connected in the end (the demo fails otherwise), unless one got an error first.
        return waiting.find((fate) => fate.errorCode !== null)?.errorCode ?? 'waits';
      },
      why: () =>
        'the kernel drops the SYN without a reply (no RST, so no ECONNREFUSED), and the client sends it again when ' +
        'its retransmission timer fires',
    },
    {
      id: 'waited-seconds',
      kind: 'number',
      unit: 's',
      ask: () =>
        'The server resumes and accepts within a few milliseconds. How many seconds after its connect() does ' +
        'such a waiting client get in (rounded to whole seconds)?',
      measure: (seen) => {
        const waiting = waitingClients(seen);
        if (waiting.length === 0) return NO_EXTRA;
        return Math.round(Math.max(...waiting.map((fate) => fate.connectedAfterMs)) / 1000);
      },
      why: (seen) =>
        `the kernel does not tell a client that room appeared; it gets in when its first SYN retransmission ` +
        `comes, ${(Math.max(...seen.clients.map((fate) => fate.connectedAfterMs)) / 1000).toFixed(2)} s after ` +
        'connect() here (the initial retransmission timeout is 1 s)',
    },
  ],
});

/** The command line, exported so tests can run it in-process. */
export const cli = defineScript({
  usage: `
Usage: npx tsx scripts/04-listen-backlog.ts [--backlog N] [--extra N] [--json | --mermaid]

Starts a listener with listen(backlog) in a child process and stops that process (SIGSTOP), so
nobody calls accept(). Connects backlog + 1 + extra clients one at a time and shows, from
/proc/net/tcp and ss, which ones the kernel connected on its own and which ones wait in
SYN_SENT. Then resumes the server (SIGCONT) and waits for the waiting clients' SYN
retransmission timer (about 1 s). Also shows that a backlog above net.core.somaxconn is capped.
Linux only.

--backlog N   the listen() backlog, 1 to ${MAX_BACKLOG} (default ${DEFAULT_BACKLOG})
--extra N     clients beyond the accept queue, 0 to backlog + 1 (default ${DEFAULT_EXTRA})`,
  flags: {
    backlog: { type: 'string', default: String(DEFAULT_BACKLOG) },
    extra: { type: 'string', default: String(DEFAULT_EXTRA) },
  },
  demo: (values) => observeListenBacklog(backlogFlags(values)),
  render: renderListenBacklog,
  mermaid: mermaidBacklog,
});

if (isMain(import.meta.url)) await runScript(cli);
