/**
 * The lab of 04-listen-backlog: runs the lesson (scripts/04-listen-backlog.ts) and shows the
 * kernel's view of its accept queue. The lesson's clients all call connect() before its event
 * loop turns, and its listener cannot accept() until it does; the lab reads /proc/net/tcp, the
 * counters and ss at that very moment, right after the last connect(), holding the loop while it
 * looks. Then it follows the accept order and the dropped clients' SYN retransmissions. Also
 * --json, --mermaid, the somaxconn cap and the questions of `npm run exercise -- 04`.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { main } from '../04-listen-backlog.ts';
import {
  defineScript,
  integerFlag,
  isMain,
  runScript,
  UsageError,
  type FlagValues,
  type Line,
  defineKnobs,
} from '../lib/cli.ts';
import { watchLesson } from '../lib/lab.ts';
import { hasProcNet, readCounters, readCountersNow, readSysctl, readTableNow } from '../lib/proc-net.ts';
import { label } from '../lib/mermaid.ts';
import { defineExercise, UNITS } from '../lib/questions.ts';
import { findTool, runTool } from '../lib/tools.ts';
import { onceWithin, stretchedByLoad, within } from '../lib/wait.ts';

const HOST = '127.0.0.1';
export const DEFAULT_BACKLOG = 3;
export const DEFAULT_EXTRA = 2;
export const MAX_BACKLOG = 128;
/** The burst after the queue empties must fit the queue again, or its own SYNs are dropped. */
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
/** A bound on each step's event, longer on a loaded machine (taken when the lab loads). */
const STEP_TIMEOUT_MS = stretchedByLoad(2000);
/** A dropped SYN is sent again when the client's retransmission timer fires, 1 s after connect(). */
const INITIAL_SYN_RTO_MS = 1000;
/** The lesson ends about 1 s after its clients connect; the bound only keeps a broken one from hanging. */
const LESSON_TIMEOUT_MS = 30_000;
const SS_TIMEOUT_MS = 5000;

// --- Watching the lesson run --------------------------------------------------------------

/** Runs the lesson with `backlog` and `extra` and records what the kernel did with each client. */
export async function observeListenBacklog({
  backlog = DEFAULT_BACKLOG,
  extra = DEFAULT_EXTRA,
} = {}): Promise<BacklogObservations> {
  /* c8 ignore next: off Linux there is no /proc to read the queue from; say so in one line */
  if (!hasProcNet) throw new Error('this lab reads the accept queue through /proc, which is Linux only');
  const sysctl = {
    somaxconn: Number(await readSysctl('net/core/somaxconn')),
    syncookies: Number(await readSysctl('net/ipv4/tcp_syncookies')),
    abortOnOverflow: Number(await readSysctl('net/ipv4/tcp_abort_on_overflow')),
  };
  const ss = await findTool('ss');
  const overflowsBefore = (await readCounters())['TcpExt.ListenOverflows'];
  const clientCount = backlog + 1 + extra;
  let server: Server | undefined;
  const clients: WatchedClient[] = [];
  const acceptOrder: number[] = [];
  let stalled: StalledMoment | undefined;
  let firstAcceptAt: number | undefined;

  /** Right after the last connect(), before the loop turns: nobody has called accept() yet. */
  const readStalledMoment = () => {
    const at = performance.now();
    const port = (server!.address() as AddressInfo).port;
    const clientPorts = clients.map(({ socket }) => socket.localPort!);
    // By address and port: another test or program may use the same port number on another address.
    const rows = readTableNow('tcp', [port]).filter(
      (row) =>
        (row.localAddress === HOST && row.localPort === port) ||
        (row.remoteAddress === HOST && row.remotePort === port),
    );
    stalled = {
      port,
      clientPorts,
      rows,
      listenOverflowsDelta: readCountersNow()['TcpExt.ListenOverflows'] - overflowsBefore,
      // ss is an outside process reading sock_diag; the loop waits for it, so the queue stays full.
      ss: ss ? ssListenerNow(ss, port) : null,
      at,
    };
  };

  await within(
    watchLesson(() => main(backlog, extra), {
      listening(listener) {
        server = listener;
      },
      connecting(socket) {
        const client: WatchedClient = { socket, startedAt: performance.now() };
        clients.push(client);
        socket.once('connect', () => (client.connectedAfterMs = performance.now() - client.startedAt));
        socket.on('error', (error: NodeJS.ErrnoException) => (client.errorCode ??= error.code));
        // Node calls connect() just after 'connectionAttempt'; the tick after the last one's is the moment.
        if (clients.length === clientCount) socket.once('connectionAttempt', () => process.nextTick(readStalledMoment));
      },
      accepted(socket) {
        firstAcceptAt ??= performance.now();
        acceptOrder.push(socket.remotePort!);
      },
    }),
    LESSON_TIMEOUT_MS,
    `the lesson to run with backlog ${backlog} and ${extra} extra clients and close everything`,
  );
  if (!stalled || firstAcceptAt === undefined)
    throw new Error(`the lesson did not connect ${clientCount} clients to one listener and accept them`);
  const { port, rows, clientPorts } = stalled;
  const capAsked = sysctl.somaxconn + 1;
  return {
    backlog,
    extra,
    sysctl,
    server: { pid: process.pid, host: HOST, port },
    acceptQueueLength: rows.find((row) => row.state === 'LISTEN')!.rxQueue,
    clients: clients.map((client, i) => {
      const clientPort = clientPorts[i];
      const clientState = rows.find((row) => row.localPort === clientPort && row.remotePort === port)!.state;
      return {
        number: i + 1,
        port: clientPort,
        clientState,
        serverEndState: rows.find((row) => row.localPort === port && row.remotePort === clientPort)?.state ?? null,
        // The handshake was complete while nobody had called accept() yet.
        connectedBeforeAccept: clientState === 'ESTABLISHED',
        // Every client connected and was accepted by now: the lesson ends only then.
        connectedAfterMs: client.connectedAfterMs!,
        handshakeDoneWithinMs: clientState === 'ESTABLISHED' ? stalled!.at - client.startedAt : null,
        acceptedAs: acceptOrder.indexOf(clientPort) + 1,
        errorCode: client.errorCode ?? null,
      };
    }),
    listenOverflowsDelta: stalled.listenOverflowsDelta,
    noAcceptForMs: firstAcceptAt - stalled.at,
    ss:
      stalled.ss && ss
        ? { stalled: stalled.ss, cap: { asked: capAsked, sendQ: await cappedBacklog(ss, capAsked) } }
        : null,
  };
}

/** A client socket the lesson made, and what the lab saw of it. */
interface WatchedClient {
  socket: Socket;
  startedAt: number;
  connectedAfterMs?: number;
  errorCode?: string;
}

/** The kernel's view right after the lesson's last connect(), before its first accept(). */
interface StalledMoment {
  port: number;
  clientPorts: number[];
  rows: ReturnType<typeof readTableNow>;
  listenOverflowsDelta: number;
  ss: SsListener | null;
  at: number;
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

const ssArgs = (port: number) => ['-ltnmH', `sport = :${port}`];

/** Asks `ss -ltnm` about the listener on `port`; an error when ss shows none. */
export async function ssListener(ss: string, port: number): Promise<SsListener> {
  const { stdout, code } = await runTool(ss, ssArgs(port), SS_TIMEOUT_MS);
  return parseSsListener(stdout, port, code);
}

/** ssListener while the event loop waits: the lesson's listener cannot accept() meanwhile. */
function ssListenerNow(ss: string, port: number): SsListener {
  return parseSsListener(execFileSync(ss, ssArgs(port), { encoding: 'utf8', timeout: SS_TIMEOUT_MS }), port, 0);
}

function parseSsListener(stdout: string, port: number, code: number | null): SsListener {
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
  /** Before the first accept(): the client's own row, and the server's end of it (null: none). */
  clientState: string;
  serverEndState: string | null;
  /** True if the kernel had completed its handshake (ESTABLISHED) before the server's first accept(). */
  connectedBeforeAccept: boolean;
  /** Milliseconds from connect() to its 'connect' event (which waits for the lab's look). */
  connectedAfterMs: number;
  /**
   * For a client ESTABLISHED before the first accept(): the handshake was done within this many
   * milliseconds of its connect(), when the lab read the rows; null for the others.
   */
  handshakeDoneWithinMs: number | null;
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
  /** The listener's rx_queue in /proc/net/tcp before the first accept(). */
  acceptQueueLength: number;
  clients: ClientFate[];
  /** Namespace-wide; other traffic can only add to it. */
  listenOverflowsDelta: number;
  /** From the last client's connect() to the server's first accept(): the lab's look, the loop waiting for it. */
  noAcceptForMs: number;
  /** Taken before the first accept(); null without ss. */
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
      `pid ${server.pid} listens on ${server.host}:${server.port} with backlog ${backlog}; its clients call ` +
        `connect() before its event loop turns: no accept() until then`,
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
    `TcpExt.ListenOverflows +${seen.listenOverflowsDelta} (namespace-wide; this lesson adds one per dropped SYN: ` +
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
    `its event loop turned ${ms(seen.noAcceptForMs)} after the last connect() (the lab looked meanwhile); ` +
      `accept() took ${list(firstAccepted)} first${inConnectOrder ? ', in connect order' : ''}`,
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
        `ESTABLISHED<br/>backlog ${backlog} + 1, before the server's first accept()`,
    )}]`,
    `    D((${label(`SYN dropped, no RST<br/>TcpExt.ListenOverflows +${seen.listenOverflowsDelta}`)}))`,
    `    S[${label(`server pid ${server.pid}, once its event loop turns`)}]`,
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

/** The flags, checked: --extra may not exceed backlog + 1 (a bigger burst of resent SYNs would overflow again). */
function backlogFlags(values: FlagValues): { backlog: number; extra: number } {
  const backlog = integerFlag(values, 'backlog', 1, MAX_BACKLOG);
  const extra = integerFlag(values, 'extra', 0, MAX_BACKLOG + 1);
  checkBurst(backlog, extra, { backlog: 'backlog', extra: '--extra' });
  return { backlog, extra };
}

const waitingClients = (seen: BacklogObservations) => seen.clients.filter((fate) => !fate.connectedBeforeAccept);
/** The slowest client's wait from connect() until it got in, in seconds. */
const waitedSeconds = (seen: BacklogObservations) =>
  (Math.max(...seen.clients.map((fate) => fate.connectedAfterMs)) / 1000).toFixed(2);
const NO_EXTRA = {
  unmeasured: {
    en: 'EXTRA=0: no client went beyond the queue',
    ko: 'EXTRA=0: 큐를 넘어선 클라이언트가 없다',
  },
};

/** Predict, then run: `npm run exercise -- 04`. */
export const EXERCISE = defineExercise({
  knobs: KNOBS,
  observe: ({ BACKLOG, EXTRA }) => observeListenBacklog({ backlog: BACKLOG, extra: EXTRA }),
  questions: [
    {
      id: 'connected-before-accept',
      kind: 'number',
      ask: {
        en: ({ BACKLOG, EXTRA }) =>
          `A server listens with BACKLOG=${BACKLOG}, and ${BACKLOG + 1 + EXTRA} clients call connect() before it ` +
          'calls accept() at all. How many of their connect() calls succeed before the server calls accept()?',
        ko: ({ BACKLOG, EXTRA }) =>
          `서버가 BACKLOG=${BACKLOG} 설정으로 listen하고, 서버가 accept()를 한 번도 호출하기 전에 클라이언트 ` +
          `${BACKLOG + 1 + EXTRA}개가 connect()를 호출한다. 서버가 accept()를 호출하기 전에 성공하는 ` +
          'connect()는 몇 개인가?',
      },
      measure: (seen) => seen.clients.filter((fate) => fate.connectedBeforeAccept).length,
      why: {
        en: () =>
          'the kernel completes the handshake on its own while the accept queue has room, and on Linux the queue ' +
          'is full only when it holds more than the backlog (backlog + 1)',
        ko: () =>
          '연결요청 대기 큐(accept 큐)에 자리가 있는 동안 커널은 핸드셰이크를 스스로 끝낸다. 리눅스에서 이 큐는 ' +
          '백로그보다 많이 담았을 때(backlog + 1)에야 가득 찬다',
      },
    },
    {
      id: 'send-q',
      kind: 'number',
      ask: {
        en: ({ BACKLOG }) => `What does \`ss -ltn\` print as Send-Q for that listener (listen backlog ${BACKLOG})?`,
        ko: ({ BACKLOG }) => `\`ss -ltn\`은 그 리스너(listen 백로그 ${BACKLOG})의 Send-Q로 무엇을 보여 주나?`,
      },
      measure: (seen) =>
        seen.ss?.stalled.sendQ ?? { unmeasured: { en: 'ss is not installed', ko: 'ss가 설치되어 있지 않다' } },
      why: {
        en: () => "for a listening socket ss shows the accept queue's limit as Send-Q: the backlog, after the cap",
        ko: () => 'ss는 리스닝 소켓의 Send-Q로 accept 큐의 한도, 곧 상한(somaxconn)을 적용한 뒤의 백로그를 보여 준다',
      },
    },
    {
      id: 'beyond-the-queue',
      kind: 'choice',
      ask: {
        en: () => 'What happens to a client that connects while the accept queue is full?',
        ko: () => 'accept 큐가 가득 찼을 때 연결하는 클라이언트는 어떻게 되나?',
      },
      options: [
        [
          'refused',
          { en: 'connect() fails at once with ECONNREFUSED', ko: 'connect()가 곧바로 ECONNREFUSED로 실패한다' },
        ],
        [
          'waits',
          {
            en: 'connect() stays pending and succeeds after the server starts accepting',
            ko: 'connect()가 대기 중으로 남았다가, 서버가 accept를 시작한 뒤 성공한다',
          },
        ],
        ['timeout', { en: 'connect() fails with ETIMEDOUT', ko: 'connect()가 ETIMEDOUT으로 실패한다' }],
      ],
      measure: (seen) => {
        const waiting = waitingClients(seen);
        if (waiting.length === 0) return NO_EXTRA;
        // Every waiting client connected in the end (the lesson fails otherwise), unless one got an error first.
        return waiting.find((fate) => fate.errorCode !== null)?.errorCode ?? 'waits';
      },
      why: {
        en: () =>
          'the kernel drops the SYN without a reply (no RST, so no ECONNREFUSED), and the client sends it again ' +
          'when its retransmission timer fires',
        ko: () =>
          '커널은 SYN을 답 없이 버리고(RST가 없으니 ECONNREFUSED도 없다), 클라이언트는 재전송 타이머가 울리면 ' +
          'SYN을 다시 보낸다',
      },
    },
    {
      id: 'waited-seconds',
      kind: 'number',
      unit: UNITS.seconds,
      ask: {
        en: () =>
          'The server starts to accept within a few milliseconds. How many seconds after its connect() does ' +
          'such a waiting client get in (rounded to whole seconds)?',
        ko: () =>
          '서버는 몇 밀리초 안에 accept를 시작한다. 그렇게 기다리던 클라이언트는 connect() 후 몇 초 뒤에 ' +
          '연결되나(초 단위로 반올림)?',
      },
      measure: (seen) => {
        const waiting = waitingClients(seen);
        if (waiting.length === 0) return NO_EXTRA;
        return Math.round(Math.max(...waiting.map((fate) => fate.connectedAfterMs)) / 1000);
      },
      why: {
        en: (seen) =>
          `the kernel does not tell a client that room appeared; it gets in when its first SYN retransmission ` +
          `comes, ${waitedSeconds(seen)} s after connect() here (the initial retransmission timeout is 1 s)`,
        ko: (seen) =>
          `커널은 자리가 났다고 클라이언트에게 알려 주지 않는다. 클라이언트는 첫 SYN 재전송 때 연결되며, ` +
          `여기서는 connect() 후 ${waitedSeconds(seen)}초였다(처음 재전송 타임아웃은 1초)`,
      },
    },
  ],
});

/** The command line, exported so tests can run it in-process. */
export const cli = defineScript({
  usage: `
Usage: npx tsx scripts/04-listen-backlog.ts [--backlog N] [--extra N] [--json | --mermaid]

Runs the lesson: a listener with listen(backlog), and backlog + 1 + extra clients that all call
connect() before its event loop turns, so nobody has called accept() yet. Shows at that moment,
from /proc/net/tcp and ss, which clients the kernel connected on its own and which ones wait in
SYN_SENT; then the accept order, and the waiting clients' SYN retransmission timer (about 1 s).
Also shows that a backlog above net.core.somaxconn is capped. Linux only.

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

/** Runs the lab's command line: the lesson calls this when it runs as a program in the project. */
export const run = () => runScript(cli);

if (isMain(import.meta.url)) await run();
