/**
 * The lab of 09-tcp-handshake: the kernel's view of a connection's states, read from
 * /proc/net/tcp and ss. Two acts:
 * - act one is set up here, around the lesson: a listener whose process is stopped (04's stalled
 *   listener), where a queued client is ESTABLISHED on both ends though nobody called accept(), and
 *   a client beyond the queue sits in SYN_SENT;
 * - act two is the lesson's own connection (scripts/09-tcp-handshake.ts, run by watchLesson):
 *   the readings are taken at its steps (accept(), its client's end(), its server's end()).
 * With --capture, tcpdump prints act two's packets on lo. Also --json, --mermaid and the questions
 * of `npm run exercise -- 09`.
 */
import { execFileSync } from 'node:child_process';
import type { AddressInfo, Socket } from 'node:net';
import { fillAcceptQueue, startClient, startStalledListener, type TrackedClient } from '../lib/stalled-listener.ts';
import { main } from '../09-tcp-handshake.ts';
import { defineKnobs, defineScript, isMain, runScript, type Line } from '../lib/cli.ts';
import { watchLesson } from '../lib/lab.ts';
import { capturePackets, CaptureUnavailable, tcpFlagLetters } from '../lib/pcap.ts';
import { readTableNow } from '../lib/proc-net.ts';
import { defineExercise, same } from '../lib/questions.ts';
import { findTool } from '../lib/tools.ts';
import { stretchedByLoad, within } from '../lib/wait.ts';

const HOST = '127.0.0.1';
/** A bound on each step's event, longer on a loaded machine (taken when the lab loads). */
const STEP_TIMEOUT_MS = stretchedByLoad(2000);
const GREETING = 'hello';

/** The lesson ends in well under a second on loopback; the bound only keeps a broken one from hanging. */
const LESSON_TIMEOUT_MS = 30_000;
/** What the capture asks tcpdump for: the lesson picks its ports as it runs, so the filter cannot name them. */
const CAPTURE_FILTER = 'tcp';

// --- Act one, around the lesson; act two, the lesson's own connection --------------------------

/** Linux only: act one's stalled listener says so in one line anywhere else. */
export async function observeHandshake({ capture = false } = {}): Promise<HandshakeObservations> {
  const ss = await findTool('ss');
  const stalled = await observeStalled(ss);
  const { life, capture: captured } = capture
    ? await captureLife(() => watchLife(ss))
    : { life: await watchLife(ss), capture: null };
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
      queued: readStage(
        'client',
        `#1 connect() resolved, as did #${clients.length - 1}: the queue holds backlog + 1 = ` +
          `${clients.length - 1}, though the server's process never called accept()`,
        ss,
        listener.port,
        clients[0].socket.localPort!,
      ),
      unanswered: readStage(
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

/**
 * Act two: runs the lesson and reads both ends of its connection (its first client's) at the
 * lesson's steps, inside the events that mark them, so the states are the kernel's at that step:
 * accept4() returning that connection, then the lesson's lines after its client's end() and after
 * its server's end() (the lesson prints them once the kernel has reached those states).
 */
async function watchLife(ss: string | undefined): Promise<HandshakeObservations['life']> {
  let serverPort = 0;
  let firstClient: Socket | undefined;
  let clientPort = 0;
  let serverRead = '';
  const stages: Stage[] = [];
  const read = (actor: Stage['actor'], step: string) => stages.push(readStage(actor, step, ss, serverPort, clientPort));
  await within(
    watchLesson(main, {
      listening: (server) => (serverPort = (server.address() as AddressInfo).port),
      connecting: (socket) => (firstClient ??= socket),
      accepted(socket) {
        // The lesson's 'connection' handler has run; its reads of the greeting come later.
        clientPort = firstClient?.localPort ?? 0;
        if (socket.remotePort !== clientPort) return; // the lesson's second client, queued and closed
        socket.on('data', (chunk) => (serverRead += String(chunk)));
        read('client', "connect() resolved, and the server's accept() returned a socket");
      },
      printed(line) {
        // The greeting read: hold the lesson until the server's kernel has acknowledged it (the
        // client's send queue is empty), so that no ACK rides on the client's FIN.
        if (line.startsWith('server: accept()')) untilAcknowledged(clientPort);
        if (line.startsWith('client: end();'))
          read('client', 'end(): a FIN, half-closing; the server reads end-of-file and does not close yet');
        if (line.startsWith('server: end();'))
          read('server', 'end(): its own FIN; the client acknowledges it and both programs close their sockets');
      },
    }),
    LESSON_TIMEOUT_MS,
    'the lesson to run its connection from handshake to TIME_WAIT',
  );
  if (stages.length !== 3) throw new Error(`the lesson took ${stages.length} of its 3 steps`);
  return { serverPort, clientPort, stages, serverRead };
}

/** Waits, without going back to the event loop, until the client's sent bytes are all acknowledged. */
function untilAcknowledged(clientPort: number): void {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  const unacknowledged = () =>
    readTableNow('tcp', [clientPort]).find((row) => row.localPort === clientPort)?.txQueue ?? 0;
  while (unacknowledged() > 0)
    if (Date.now() > deadline) throw new Error(`the greeting was not acknowledged within ${STEP_TIMEOUT_MS} ms`);
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

/**
 * Both ends' states now, from /proc/net/tcp and from ss, without going back to the event loop:
 * called inside the event that marks a step, it sees the kernel at that very step.
 */
function readStage(
  actor: Stage['actor'],
  step: string,
  ss: string | undefined,
  serverPort: number,
  clientPort: number,
): Stage {
  const rows = readTableNow('tcp', [serverPort, clientPort]);
  const stateOf = (local: number, remote: number) =>
    rows.find((row) => row.localPort === local && row.remotePort === remote)?.state ?? null;
  const stage: Stage = {
    actor,
    step,
    proc: { client: stateOf(clientPort, serverPort), server: stateOf(serverPort, clientPort) },
    ss: null,
  };
  if (!ss) return stage;

  const filter = `( sport = :${serverPort} or dport = :${serverPort} )`;
  const stdout = execFileSync(ss, ['-tanoH', filter], { encoding: 'utf8', timeout: STEP_TIMEOUT_MS });
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
 * Runs `life` while tcpdump captures every TCP packet on lo (lib/pcap.ts proves the capture is
 * live before `life` starts and complete after it ends), and keeps the packets of its connection.
 * Without tcpdump, or without permission to capture, `life` runs all the same and the capture says
 * why it is missing.
 */
async function captureLife(
  life: () => Promise<HandshakeObservations['life']>,
): Promise<{ life: HandshakeObservations['life']; capture: Capture }> {
  const tcpdump = await findTool('tcpdump');
  if (!tcpdump)
    return {
      life: await life(),
      capture: { status: 'unavailable', reason: 'tcpdump is not installed (apt-get install tcpdump)' },
    };
  try {
    const { result, packets } = await capturePackets(tcpdump, CAPTURE_FILTER, life);
    const ends = (...ports: number[]) => ports.toSorted((a, b) => a - b).join(' ');
    const connection = ends(result.serverPort, result.clientPort);
    const seen = packets
      .filter((packet) => ends(packet.sourcePort, packet.destinationPort) === connection)
      .map(
        (packet): Packet => ({
          atMs: packet.atMs,
          from: packet.sourcePort === result.clientPort ? 'client' : 'server',
          flags: tcpFlagLetters(packet.tcpFlags),
          length: packet.payload,
        }),
      );
    // Times from this connection's first packet, not from the first TCP packet of the capture.
    const start = seen[0]?.atMs ?? 0;
    for (const packet of seen) packet.atMs -= start;
    return { life: result, capture: { status: 'captured', filter: CAPTURE_FILTER, packets: seen } };
  } catch (error) {
    if (!(error instanceof CaptureUnavailable)) throw error;
    return {
      life: await life(),
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
    lines.push([
      'wire',
      `tcpdump -i lo "${seen.capture.filter}": ${seen.capture.packets.length} packets between port ` +
        `${life.serverPort} and port ${life.clientPort}`,
    ]);
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

const STATES = (...states: string[]) => states.map((state) => [state, same(state)] as const);

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
      ask: {
        en: () =>
          "A connection completed its handshake but the server's process never called accept(). Its server end's " +
          'state?',
        ko: () =>
          '핸드셰이크는 끝났지만 서버 프로세스가 accept()를 한 번도 호출하지 않은 연결이 있다. 이 연결의 서버 쪽 ' +
          '끝의 상태는?',
      },
      options: STATES('SYN_RECV', 'ESTABLISHED', 'LISTEN'),
      measure: ({ stalled }) => stalled.queued.proc.server ?? 'none',
      why: {
        en: () => 'the kernel finishes the 3-way handshake on its own; accept() only hands over what is already done',
        ko: () => '커널은 3-way 핸드셰이크를 스스로 끝낸다. accept()는 이미 끝난 연결을 넘겨줄 뿐이다',
      },
    },
    {
      id: 'half-closed-server',
      kind: 'choice',
      ask: {
        en: () =>
          "The client calls end() first, and the server has read end-of-file but not closed. The server's state?",
        ko: () =>
          '클라이언트가 먼저 end()를 호출했고, 서버는 파일 끝(EOF)까지 읽었지만 아직 닫지 않았다. 서버의 상태는?',
      },
      options: STATES('CLOSE_WAIT', 'FIN_WAIT2', 'LAST_ACK', 'TIME_WAIT'),
      measure: ({ life }) => life.stages[1].proc.server ?? 'none',
      why: {
        en: () => 'it received a FIN and acknowledged it; the kernel waits for its program to close',
        ko: () => 'FIN을 받고 ACK로 답했다. 커널은 이제 서버 프로그램이 닫기를 기다린다',
      },
    },
    {
      id: 'after-close',
      kind: 'choice',
      ask: {
        en: () => 'Both ends have closed. What is left of the client end, the one that sent the first FIN?',
        ko: () => '양 끝이 모두 닫았다. 먼저 FIN을 보낸 클라이언트 쪽 끝에는 무엇이 남나?',
      },
      options: [
        ['none', { en: 'nothing: its socket is gone', ko: '아무것도 없다: 소켓이 사라졌다' }],
        ['TIME_WAIT', { en: 'a TIME_WAIT entry, held by the kernel', ko: '커널이 가지고 있는 TIME_WAIT 항목' }],
        ['CLOSE_WAIT', { en: 'a CLOSE_WAIT entry', ko: 'CLOSE_WAIT 항목' }],
      ],
      measure: ({ life }) => life.stages[2].proc.client ?? 'none',
      why: {
        en: ({ life }) =>
          `the side that closes first keeps the connection's pair in TIME_WAIT ` +
          `(${life.stages[2].timeWaitLeftS ?? '?'} s left when read), so late segments of this connection cannot ` +
          'be taken for a new one',
        ko: ({ life }) =>
          `먼저 닫은 쪽이 연결의 주소 쌍을 TIME_WAIT 상태로 붙들어 둔다(읽을 때 ` +
          `${life.stages[2].timeWaitLeftS ?? '?'}초 남음). 그래서 이 연결의 늦은 세그먼트가 새 연결의 것으로 ` +
          '오인되지 않는다',
      },
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

export const run = () => runScript(cli);
if (isMain(import.meta.url)) await run();
