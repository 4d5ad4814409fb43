/**
 * @title The 3-way handshake and a connection's states
 * @concept The kernel, not the server process, runs a TCP connection's life: it answers the SYN and reaches ESTABLISHED
 *   before accept(), and after a half-close it walks both ends through FIN_WAIT2/CLOSE_WAIT to TIME_WAIT on the side
 *   that closed first.
 * @notes #41-the-3-way-handshake-and-a-connections-states-09-tcp-handshake
 * @run npx tsx scripts/09-tcp-handshake.ts --capture
 * @resource https://man7.org/linux/man-pages/man7/tcp.7.html
 * @resource https://www.rfc-editor.org/rfc/rfc9293#section-3.3.2
 * @resource https://nodejs.org/api/net.html#socketenddata-encoding-callback
 * @resource https://www.tcpdump.org/manpages/tcpdump.1.html
 *
 * Two acts. First, a listener whose process is stopped (04's stalled listener): a queued client
 * is ESTABLISHED on both ends though nobody called accept(), and a client beyond the queue sits
 * in SYN_SENT. Second, one connection's whole life with a server that does accept: handshake,
 * data, the client's half-close (end()), the server's close, and the TIME_WAIT left behind.
 * Each stage reads both ends' states from /proc/net/tcp and, where installed, from ss.
 * With --capture, tcpdump prints the second act's packets on lo.
 */
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { fillAcceptQueue, startClient, startStalledListener, type TrackedClient } from './lib/stalled-listener.ts';
import { defineKnobs, defineScript, isMain, runScript, type Line } from './lib/cli.ts';
import { capturePackets, CaptureUnavailable, tcpFlagLetters } from './lib/pcap.ts';
import { readTable } from './lib/proc-net.ts';
import { defineExercise } from './lib/questions.ts';
import { findTool, runTool } from './lib/tools.ts';
import { onceWithin, untilTrue } from './lib/wait.ts';

const HOST = '127.0.0.1';
const STEP_TIMEOUT_MS = 2000;
const GREETING = 'hello';

// --- The lesson: a connection's life as the kernel runs it, from SYN to TIME_WAIT ------------

/** Linux only: act one's stalled listener says so in one line anywhere else. */
export async function observeHandshake({ capture = false } = {}): Promise<HandshakeObservations> {
  const ss = await findTool('ss');
  const stalled = await observeStalled(ss);
  const { life, capture: captured } = await observeLife(ss, capture);
  return { stalled, life, ssPresent: ss !== undefined, capture: captured };
}

/** Act one: states the kernel reaches on its own while the server process cannot run. */
async function observeStalled(ss: string | undefined): Promise<HandshakeObservations['stalled']> {
  const listener = await startStalledListener({ backlog: 1 });
  const clients: TrackedClient[] = [];
  try {
    clients.push(...(await fillAcceptQueue(listener)));
    const beyondQueue = startClient(listener.port);
    clients.push(beyondQueue);
    // Node calls connect() on the next tick; only then does the socket have its local port (read it no sooner: Node
    // caches it).
    await new Promise((resolve) => setImmediate(resolve));
    return {
      port: listener.port,
      backlog: listener.backlog,
      queued: await readStage(
        'client',
        `#1 connect() resolved, as did #${clients.length - 1}: the queue holds backlog + 1 = ` +
          `${clients.length - 1}, though the server's process never called accept()`,
        ss,
        listener.port,
        clients[0].socket.localPort!,
      ),
      unanswered: await readStage(
        'client',
        `#${clients.length} connect() called while the accept queue is full: its SYN goes unanswered`,
        ss,
        listener.port,
        beyondQueue.socket.localPort!,
      ),
    };
  } finally {
    for (const client of clients) client.socket.destroy();
    await listener.stop();
  }
}

/** Act two: one connection's life with a server that accepts, captured with tcpdump when asked. */
async function observeLife(
  ss: string | undefined,
  capture: boolean,
): Promise<{ life: HandshakeObservations['life']; capture: Capture | null }> {
  // allowHalfOpen: after the client's FIN the server's socket stays open for writing until we end() it.
  const server = createServer({ allowHalfOpen: true });
  server.listen({ host: HOST, port: 0 });
  try {
    await onceWithin(server, 'listening', STEP_TIMEOUT_MS, 'the server to listen');
    const serverPort = (server.address() as AddressInfo).port;
    const life = () => connectionLife(server, serverPort, ss);
    if (!capture) return { life: await life(), capture: null };
    const { result, capture: captured } = await captureLife(serverPort, life);
    return { life: result, capture: captured };
  } finally {
    server.close();
  }
}

/** One connection from handshake to TIME_WAIT, to `server`; every stage waits for the kernel to get there. */
async function connectionLife(
  server: Server,
  serverPort: number,
  ss: string | undefined,
): Promise<HandshakeObservations['life']> {
  let client: Socket | undefined;
  let serverSide: Socket | undefined;
  try {
    // connect(): SYN, SYN-ACK, ACK. The kernel completes the handshake; accept4() then hands the server its socket.
    const accepted = onceWithin(server, 'connection', STEP_TIMEOUT_MS, 'accept()');
    client = createConnection({ host: HOST, port: serverPort, allowHalfOpen: true });
    await onceWithin(client, 'connect', STEP_TIMEOUT_MS, 'the handshake');
    serverSide = (await accepted)[0] as Socket;
    const clientPort = client.localPort!;
    const stages: Stage[] = [
      await readStage(
        'client',
        "connect() resolved, and the server's accept() returned a socket",
        ss,
        serverPort,
        clientPort,
      ),
    ];

    // Data, then wait until the server's kernel has acknowledged it (the client's send queue is empty), so no ACK rides
    // on a later packet.
    const heard = onceWithin(serverSide, 'data', STEP_TIMEOUT_MS, 'the greeting');
    client.write(GREETING);
    const serverRead = String((await heard)[0]);
    await untilTrue(
      async () => (await readTable('tcp', [clientPort])).find((row) => row.localPort === clientPort)?.txQueue === 0,
      STEP_TIMEOUT_MS,
      'the greeting to be acknowledged',
    );

    // The client half-closes: FIN. The server's process sees end-of-file; its kernel acknowledges the FIN (possibly
    // after a delayed-ACK timer).
    const serverSawEnd = onceWithin(serverSide, 'end', STEP_TIMEOUT_MS, "the client's FIN at the server");
    client.end(); // shutdown(SHUT_WR)
    await serverSawEnd;
    await awaitStates(serverPort, clientPort, { client: 'FIN_WAIT2', server: 'CLOSE_WAIT' });
    stages.push(
      await readStage(
        'client',
        'end(): a FIN, half-closing; the server reads end-of-file and does not close yet',
        ss,
        serverPort,
        clientPort,
      ),
    );

    // The server closes too: its FIN, the client's last ACK. The side that closed first keeps TIME_WAIT.
    const clientClosed = onceWithin(client, 'close', STEP_TIMEOUT_MS, 'the client socket to close');
    const serverClosed = onceWithin(serverSide, 'close', STEP_TIMEOUT_MS, 'the server socket to close');
    serverSide.end();
    await Promise.all([clientClosed, serverClosed]);
    await awaitStates(serverPort, clientPort, { client: 'TIME_WAIT', server: null });
    stages.push(
      await readStage(
        'server',
        'end(): its own FIN; the client acknowledges it and both programs close their sockets',
        ss,
        serverPort,
        clientPort,
      ),
    );

    return { serverPort, clientPort, stages, serverRead };
  } finally {
    client?.destroy();
    serverSide?.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Reading both ends' states
// ---------------------------------------------------------------------------------------------

/** The state of each end of one connection; null when that end has no socket left. */
export interface EndStates {
  client: string | null;
  server: string | null;
}

export interface Stage {
  /** Who acted just before this reading, and what they did. */
  actor: 'client' | 'server';
  step: string;
  proc: EndStates;
  /** The same two sockets through ss (sock_diag); null without ss. */
  ss: EndStates | null;
  /** Seconds left on the TIME_WAIT timer, as ss reports it. */
  timeWaitLeftS?: number;
}

/** ss spells states its own way (ESTAB, FIN-WAIT-2); this is /proc's spelling (ESTABLISHED, FIN_WAIT2). */
function procSpelling(ssState: string): string {
  if (ssState === 'ESTAB') return 'ESTABLISHED';
  return ssState.replace(/-(\d)$/, '$1').replace(/-/g, '_');
}

const portOf = (endpoint: string) => Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));

/** One socket as `ss -tano` prints it; `timers` holds the rest of its line (timer:(...)). */
interface SsEnd {
  state: string | null;
  local: number;
  remote: number;
  timers: string;
}

/** The end of the connection at local port `local`, or one with state null: that end has no socket. */
function ssEnd(rows: SsEnd[], local: number, remote: number): SsEnd {
  return rows.find((row) => row.local === local && row.remote === remote) ?? { state: null, local, remote, timers: '' };
}

async function readStage(
  actor: Stage['actor'],
  step: string,
  ss: string | undefined,
  serverPort: number,
  clientPort: number,
): Promise<Stage> {
  const rows = await readTable('tcp', [serverPort, clientPort]);
  const stateOf = (local: number, remote: number) =>
    rows.find((row) => row.localPort === local && row.remotePort === remote)?.state ?? null;
  const stage: Stage = {
    actor,
    step,
    proc: { client: stateOf(clientPort, serverPort), server: stateOf(serverPort, clientPort) },
    ss: null,
  };
  if (!ss) return stage;

  const { stdout } = await runTool(ss, ['-tanoH', `( sport = :${serverPort} or dport = :${serverPort} )`]);
  const ssRows = stdout
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 5)
    .map(
      ([state, , , local, remote, ...rest]): SsEnd => ({
        state: procSpelling(state),
        local: portOf(local),
        remote: portOf(remote),
        timers: rest.join(' '),
      }),
    );
  const client = ssEnd(ssRows, clientPort, serverPort);
  stage.ss = { client: client.state, server: ssEnd(ssRows, serverPort, clientPort).state };
  const timeWait = /timer:\(timewait,(\d+)sec/.exec(client.timers);
  if (timeWait) stage.timeWaitLeftS = Number(timeWait[1]);
  return stage;
}

/** Waits until /proc/net/tcp shows the client's end in `client` state and the server's end in `server` (null: gone). */
async function awaitStates(serverPort: number, clientPort: number, wanted: EndStates): Promise<void> {
  await untilTrue(
    async () => {
      const { proc } = await readStage('client', '', undefined, serverPort, clientPort);
      return proc.client === wanted.client && proc.server === wanted.server;
    },
    STEP_TIMEOUT_MS,
    `the client's end to be ${wanted.client} and the server's end ${wanted.server ?? 'gone'}`,
  );
}

// ---------------------------------------------------------------------------------------------
// tcpdump as a witness of the packets
// ---------------------------------------------------------------------------------------------

export interface Packet {
  /** Milliseconds since the first captured packet. */
  atMs: number;
  from: 'client' | 'server';
  /** tcpdump's flag letters: S (SYN), . (ACK), P (push), F (FIN), R (RST). */
  flags: string;
  /** Payload bytes, as tcpdump's "length". */
  length: number;
}

export type Capture =
  | { status: 'captured'; filter: string; packets: Packet[] }
  | { status: 'unavailable'; reason: string };

/**
 * Runs `life` while tcpdump captures `tcp port PORT` on lo (lib/pcap.ts proves the capture is
 * live before `life` starts and complete after it ends). Without tcpdump, or without permission
 * to capture, `life` runs all the same and the capture says why it is missing.
 */
async function captureLife<T extends { clientPort: number }>(
  port: number,
  life: () => Promise<T>,
): Promise<{ result: T; capture: Capture }> {
  const tcpdump = await findTool('tcpdump');
  if (!tcpdump)
    return {
      result: await life(),
      capture: { status: 'unavailable', reason: 'tcpdump is not installed (apt-get install tcpdump)' },
    };
  const filter = `tcp port ${port}`;
  try {
    const { result, packets } = await capturePackets(tcpdump, filter, life);
    const seen = packets.map(
      (packet): Packet => ({
        atMs: packet.atMs,
        from: packet.sourcePort === result.clientPort ? 'client' : 'server',
        flags: tcpFlagLetters(packet.tcpFlags),
        length: packet.payload,
      }),
    );
    return { result, capture: { status: 'captured', filter, packets: seen } };
  } catch (error) {
    if (!(error instanceof CaptureUnavailable)) throw error;
    return {
      result: await life(),
      capture: { status: 'unavailable', reason: `tcpdump cannot capture here: ${error.message}` },
    };
  }
}

// ---------------------------------------------------------------------------------------------
// What the demo observes
// ---------------------------------------------------------------------------------------------

export interface HandshakeObservations {
  /** Act one: a listener (backlog 1) whose process is stopped. */
  stalled: { port: number; backlog: number; queued: Stage; unanswered: Stage };
  /** Act two: one connection's life, with a server in this process that accepts. */
  life: { serverPort: number; clientPort: number; stages: Stage[]; serverRead: string };
  ssPresent: boolean;
  capture: Capture | null;
}

function stateLine(stage: Stage): string {
  const end = (state: string | null) => state ?? 'none (no socket)';
  const agreement =
    stage.ss === null
      ? ''
      : stage.ss.client === stage.proc.client && stage.ss.server === stage.proc.server
        ? '; ss agrees'
        : `; ss says client ${end(stage.ss.client)}, server ${end(stage.ss.server)}`;
  return `client's end ${end(stage.proc.client)}, server's end ${end(stage.proc.server)}${agreement}`;
}

const FLAG_NAMES: Readonly<Record<string, string>> = {
  S: 'SYN',
  'S.': 'SYN-ACK',
  '.': 'ACK',
  'P.': 'data',
  'F.': 'FIN',
  'FP.': 'FIN with data',
  R: 'RST',
  'R.': 'RST',
};

export function renderHandshake(seen: HandshakeObservations): Line[] {
  const { stalled, life } = seen;
  const lines: Line[] = [
    [
      'server',
      `listens on ${HOST}:${stalled.port} with backlog ${stalled.backlog}; its process is stopped (SIGSTOP), so ` +
        `no accept()`,
    ],
  ];
  for (const stage of [stalled.queued, stalled.unanswered])
    lines.push([stage.actor, stage.step], ['kernel', stateLine(stage)]);
  lines.push([
    'server',
    `listens on ${HOST}:${life.serverPort} and accepts; the client connects from ${HOST}:${life.clientPort}`,
  ]);
  for (const [i, stage] of life.stages.entries()) {
    lines.push([stage.actor, stage.step], ['kernel', stateLine(stage)]);
    if (i === 0)
      lines.push([
        'client',
        `wrote "${GREETING}"; the server read "${life.serverRead}" and its kernel acknowledged it`,
      ]);
  }
  const last = life.stages.at(-1)!;
  if (last.timeWaitLeftS !== undefined)
    lines.push(['ss', `the client's TIME_WAIT timer: ${last.timeWaitLeftS} s left (it outlives this program)`]);
  if (!seen.ssPresent) lines.push(['ss', 'not installed (apt-get install iproute2): /proc/net/tcp only']);
  if (seen.capture === null) {
    lines.push(['wire', 'run with --capture to see the packets (tcpdump, needs permission to capture)']);
  } else if (seen.capture.status === 'unavailable') {
    lines.push(['wire', `${seen.capture.reason}; state view only`]);
  } else {
    lines.push(['wire', `tcpdump -i lo "${seen.capture.filter}": ${seen.capture.packets.length} packets`]);
    for (const packet of seen.capture.packets) {
      const arrow = packet.from === 'client' ? 'client -> server' : 'server -> client';
      const name = FLAG_NAMES[packet.flags] ?? packet.flags;
      const what = packet.length > 0 ? `${name}, ${packet.length} bytes` : name;
      lines.push([
        'wire',
        `${arrow} ${`[${packet.flags}]`.padEnd(5)} ${what.padEnd(15)} at +${packet.atMs.toFixed(3)} ms`,
      ]);
    }
  }
  return lines;
}

const STATES = (...states: string[]) => states.map((state) => [state, state] as const);

/** The second connection's packets, as captured, with the states read between them, as a Mermaid sequence diagram. */
export function mermaidHandshake(seen: HandshakeObservations): string[] {
  const { stages } = seen.life;
  const lines = ['sequenceDiagram', '    participant C as client', '    participant S as server'];
  const states = (stage: Stage) =>
    `    Note over C,S: client ${stage.proc.client ?? 'no socket'}, server ${stage.proc.server ?? 'no socket'}`;
  if (seen.capture?.status !== 'captured') {
    lines.push('    Note over C,S: no capture in this run: the states only');
    lines.push(...stages.map(states));
    return lines;
  }
  // Each reading comes after the packets that caused it: the handshake, the client's FIN and its ACK, the rest.
  const packets = seen.capture.packets;
  const clientFin = packets.findIndex((packet) => packet.from === 'client' && packet.flags.includes('F'));
  const readingAfter = new Map([
    [2, stages[0]],
    [clientFin + 1, stages[1]],
    [packets.length - 1, stages[2]],
  ]);
  packets.forEach((packet, i) => {
    const name = FLAG_NAMES[packet.flags] ?? packet.flags;
    const what = packet.length > 0 ? `${name}, ${packet.length} bytes` : name;
    lines.push(packet.from === 'client' ? `    C->>S: ${what}` : `    S->>C: ${what}`);
    const stage = readingAfter.get(i);
    if (stage) lines.push(states(stage));
  });
  return lines;
}

/** Predict, then run: `npm run exercise -- 09`. */
export const EXERCISE = defineExercise({
  knobs: defineKnobs({}),
  observe: () => observeHandshake(),
  questions: [
    {
      id: 'queued-server-end',
      kind: 'choice',
      ask: () =>
        "A connection completed its handshake but the server's process never called accept(). Its server end's state?",
      options: STATES('SYN_RECV', 'ESTABLISHED', 'LISTEN'),
      measure: ({ stalled }) => stalled.queued.proc.server ?? 'none',
      why: () => 'the kernel finishes the 3-way handshake on its own; accept() only hands over what is already done',
    },
    {
      id: 'half-closed-server',
      kind: 'choice',
      ask: () =>
        "The client calls end() first, and the server has read end-of-file but not closed. The server's state?",
      options: STATES('CLOSE_WAIT', 'FIN_WAIT2', 'LAST_ACK', 'TIME_WAIT'),
      measure: ({ life }) => life.stages[1].proc.server ?? 'none',
      why: () => 'it received a FIN and acknowledged it; the kernel waits for its program to close',
    },
    {
      id: 'after-close',
      kind: 'choice',
      ask: () => 'Both ends have closed. What is left of the client end, the one that sent the first FIN?',
      options: [
        ['none', 'nothing: its socket is gone'],
        ['TIME_WAIT', 'a TIME_WAIT entry, held by the kernel'],
        ['CLOSE_WAIT', 'a CLOSE_WAIT entry'],
      ],
      measure: ({ life }) => life.stages[2].proc.client ?? 'none',
      why: ({ life }) =>
        `the side that closes first keeps the connection's pair in TIME_WAIT ` +
        `(${life.stages[2].timeWaitLeftS ?? '?'} s ` +
        'left when read), so late segments of this connection cannot be taken for a new one',
    },
  ],
});

/** The command line, exported so tests can run it in-process. */
export const cli = defineScript({
  usage: `
Usage: npx tsx scripts/09-tcp-handshake.ts [--capture] [--json | --mermaid]

Follows TCP connections on ${HOST} through their states, read from /proc/net/tcp (and ss where
installed): SYN_SENT and ESTABLISHED-before-accept() at a listener whose process is stopped,
then one connection's life: handshake, data, the client's half-close (FIN_WAIT2 / CLOSE_WAIT)
and the TIME_WAIT left on the side that closed first. Linux only.

--capture   also print the second connection's packets, captured with tcpdump on lo`,
  flags: { capture: { type: 'boolean' } },
  demo: (values) => observeHandshake({ capture: values.capture === true }),
  render: renderHandshake,
  mermaid: mermaidHandshake,
});

if (isMain(import.meta.url)) await runScript(cli);
