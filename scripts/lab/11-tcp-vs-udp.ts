/**
 * The lab of 11-tcp-vs-udp: runs the lesson (scripts/11-tcp-vs-udp.ts), whose same messages go
 * over UDP and over TCP side by side, and records how the server's reads cut the TCP stream and
 * how many datagrams UDP delivered. Around it, what one short lesson cannot show: 10's flood over
 * TCP into a receiver frozen with SIGSTOP in a child process, with the kernel's queues while it
 * sleeps; the packets and header bytes of one short exchange (a tcpdump capture when allowed); and
 * round trips and throughput, as medians. Also --json, --mermaid, --serve and the questions of
 * `npm run exercise -- 11`.
 */
import { createHash } from 'node:crypto';
import type { Socket as DatagramSocket } from 'node:dgram';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import {
  defineScript,
  integerFlag,
  isMain,
  portFlag,
  runScript,
  thousands,
  type FlagValues,
  type Line,
  defineKnobs,
  hostFlag,
  listeningLine,
} from '../lib/cli.ts';
import { untilSignal } from '../lib/serve-lifetime.ts';
import { startNodeChild } from '../lib/child.ts';
import { hasProcNet, readTable } from '../lib/proc-net.ts';
import { defineExercise, UNITS } from '../lib/questions.ts';
import { findTool } from '../lib/tools.ts';
import { watchLesson } from '../lib/lab.ts';
import { main } from '../11-tcp-vs-udp.ts';
import { onceWithin, stretchedByLoad, until, within } from '../lib/wait.ts';
import { type Capture, CaptureUnavailable, captureExchange, summarizeWire, type WirePacket } from '../lib/pcap.ts';
import {
  MESSAGE_BYTES,
  median,
  requestReply,
  tcpBulk,
  tcpConnectEachRoundTrips,
  tcpRoundTrips,
  udpRoundTrips,
} from '../lib/round-trips.ts';
import { BURST_KNOB, boundSocket, FLOOD_KNOB, FLOOD_PAYLOAD, sendDatagram, startUdpEcho } from '../lib/udp.ts';

const HOST = '127.0.0.1';
/** A bound on each step's event, longer on a loaded machine (taken when the lab loads). */
const STEP_TIMEOUT_MS = stretchedByLoad(5000);
/** The lesson ends in well under a second; the bound only keeps a broken one from hanging. */
const LESSON_TIMEOUT_MS = 30_000;

export const DEFAULTS = {
  flood: FLOOD_KNOB.fallback,
  payload: FLOOD_PAYLOAD,
  datagrams: BURST_KNOB.fallback,
  roundTrips: 100,
  runs: 5,
  bulkMib: 4,
} as const;

/**
 * The exercise's knobs, with the ranges of the flags of the same names. The tests' fallbacks for the
 * speed runs are smaller than the script's: the tests check the table, not the figures.
 */
export const KNOBS = defineKnobs({
  FLOOD: FLOOD_KNOB,
  PAYLOAD: { fallback: DEFAULTS.payload, min: 4, max: 65_536 },
  DATAGRAMS: BURST_KNOB,
  ROUND_TRIPS: { fallback: 30, min: 1, max: 1_000_000 },
  RUNS: { fallback: 3, min: 1, max: 101 },
  BULK_MIB: { fallback: DEFAULTS.bulkMib, min: 1, max: 4096 },
});
const { FLOOD, PAYLOAD, DATAGRAMS, ROUND_TRIPS, RUNS, BULK_MIB } = KNOBS.knobs;

// --- The lesson's run, and the measurements around it ------------------------------------------

export async function observeTcpVsUdp(options: TcpVsUdpOptions = DEFAULTS): Promise<TcpVsUdpObservations> {
  // 1. Reliability: 10's flood, now write() into a TCP connection to a frozen receiver: nothing is lost.
  const reliability = await floodOverTcp(options.flood, options.payload);
  // 2. Boundaries: the lesson's run, 10's datagram sizes over UDP and as TCP writes.
  const boundaries = await watchBoundaries(options.datagrams);
  const servers = await startServers();
  try {
    // 3. Overhead: one short exchange each way, packet by packet (the handshake and teardown are TCP's).
    const overhead = await measureOverhead(servers);
    // 4. Speed: round trips and throughput, measured, with the connection's cost shown apart.
    const speed = await measureSpeed(servers, options);
    return { reliability, boundaries, overhead, speed };
  } finally {
    await servers.close();
  }
}

/** Sends the flood of 10 over TCP to a receiver frozen with SIGSTOP, then thaws it and compares what arrived. */
export async function floodOverTcp(records: number, payload: number): Promise<Reliability> {
  const receiver = await startNodeChild({ module: TCP_RECEIVER, args: [HOST, String(payload)] });
  let client: Socket | undefined;
  try {
    const { port } = await receiver.next<{ port: number }>(STEP_TIMEOUT_MS, 'the TCP receiver to listen');
    client = createConnection({ host: HOST, port });
    await onceWithin(client, 'connect', STEP_TIMEOUT_MS, 'the connection to the receiver');
    await receiver.freeze();

    const stream = Buffer.alloc(records * payload);
    for (let i = 0; i < records; i++) stream.writeUInt32BE(i, i * payload);
    // One write per record, as 10 sent one datagram per record.
    for (let i = 0; i < records; i++) client.write(stream.subarray(i * payload, (i + 1) * payload));

    let whileFrozen: Reliability['whileFrozen'] = null;
    if (hasProcNet) {
      // Every byte is in one of three places. Wait until the kernel's figures stop moving (the
      // window is closed and the send buffer is full, or everything has left the process).
      // Node counts a partly written chunk as still its own, so the process's share is what the kernel does not hold.
      const sender = client;
      let previous = '';
      whileFrozen = await until(
        async () => {
          const rows = await readTable('tcp', [port]);
          const receiverRow = rows.find((row) => row.localPort === port && row.remotePort === sender.localPort);
          const senderRow = rows.find((row) => row.localPort === sender.localPort && row.remotePort === port);
          if (!receiverRow || !senderRow) return undefined;
          const inKernels = receiverRow.rxQueue + senderRow.txQueue;
          const settled =
            inKernels === stream.length ||
            (sender.writableLength > 0 && `${receiverRow.rxQueue}/${senderRow.txQueue}` === previous);
          previous = `${receiverRow.rxQueue}/${senderRow.txQueue}`;
          if (!settled) return undefined;
          return {
            receiverKernel: receiverRow.rxQueue,
            senderKernel: senderRow.txQueue,
            senderProcess: stream.length - inKernels,
            nodeUnsent: sender.writableLength,
          };
        },
        STEP_TIMEOUT_MS,
        'the frozen connection to settle',
        20,
      );
    }

    await receiver.thaw();
    client.end();
    const report = await receiver.next<{ bytes: number; sha256: string; inOrder: boolean }>(
      STEP_TIMEOUT_MS,
      "the receiver's report",
    );
    return {
      records,
      payload,
      bytes: stream.length,
      whileFrozen,
      received: report.bytes,
      sameBytes: report.sha256 === createHash('sha256').update(stream).digest('hex'),
      inOrder: report.inOrder,
    };
  } finally {
    client?.destroy();
    await receiver.stop();
  }
}

/** What the lesson printed for its TCP writes; the lab takes the sizes from there. */
const TCP_WRITES = /^tcp: \d+ writes of ([\d, ]+) bytes$/;

/**
 * Runs the lesson with `count` messages and records how the server's reads cut its TCP stream
 * (through the accepted socket's 'data') and what its UDP receiver got (the first UDP socket it
 * makes), each read as it happens.
 */
export async function watchBoundaries(count: number): Promise<StreamBoundaries> {
  const reads: Buffer[] = [];
  const datagrams: number[] = [];
  let writes: number[] | undefined;
  let udpSockets = 0;
  await within(
    watchLesson(() => main(count), {
      accepted: (socket) => socket.on('data', (chunk: Buffer) => reads.push(chunk)),
      datagram(socket) {
        if (udpSockets++ === 0) socket.on('message', (message: Buffer) => datagrams.push(message.length));
      },
      printed(line) {
        const written = TCP_WRITES.exec(line);
        if (written) writes = written[1].split(', ').map(Number);
      },
    }),
    LESSON_TIMEOUT_MS,
    `the lesson to send ${count} messages each way and close its sockets`,
  );
  if (!writes) throw new Error(`the lesson never printed its TCP writes (${TCP_WRITES})`);
  // The lesson fills message i with the byte i, so the stream it wrote is known from the sizes.
  const sent = Buffer.concat(writes.map((size, i) => Buffer.alloc(size, i)));
  return {
    writes,
    reads: reads.map((chunk) => chunk.length),
    sameBytes: Buffer.concat(reads).equals(sent),
    datagrams,
  };
}

export async function measureOverhead(servers: Servers): Promise<Overhead> {
  const exchange = async () => {
    await udpExchange(servers.udpEcho);
    await tcpExchange(servers.tcpEcho);
  };
  const tcpdump = hasProcNet ? await findTool('tcpdump') : undefined;
  if (!tcpdump) {
    await exchange();
    return { ...PROTOCOL_VIEW, reason: 'tcpdump not installed' };
  }
  try {
    return {
      source: 'capture',
      ...(await captureExchange(tcpdump, { udp: servers.udpEcho, tcp: servers.tcpEcho }, exchange)),
    };
  } catch (error) {
    // Capturing needs root or CAP_NET_RAW; a learner's own account usually has neither. The exchange has not run yet.
    if (!(error instanceof CaptureUnavailable)) throw error;
    await exchange();
    return { ...PROTOCOL_VIEW, reason: 'tcpdump may not capture here: run as root for the real count' };
  }
}

/**
 * Runs every measurement `runs` times, interleaved so that a slow moment of the machine hits all of
 * them alike. The first `warmUpRounds` rounds are not counted: V8 compiles a function's optimized
 * code only after some thousand calls, in the client and in the server, so early rounds measure
 * the compiler as much as the sockets (sockperf, compiled ahead of time, still leaves out its first
 * 400 ms).
 */
export async function measureSpeed(
  ports: { udpEcho: number; tcpEcho: number; tcpSink: number },
  options: SpeedOptions,
  host = HOST,
): Promise<Speed> {
  const udp: number[] = [];
  const tcpKept: number[] = [];
  const tcpConnectEach: number[] = [];
  const bulk: number[] = [];
  const warmUpRounds = options.warmUpRounds ?? 1;
  for (let round = 0; round < warmUpRounds + options.runs; round++) {
    const counted = round >= warmUpRounds;
    const keep = (runs: number[], value: number) => counted && runs.push(value);
    keep(udp, await udpRoundTrips(ports.udpEcho, options.roundTrips, host));
    keep(tcpKept, await tcpRoundTrips(ports.tcpEcho, options.roundTrips, host));
    keep(tcpConnectEach, await tcpConnectEachRoundTrips(ports.tcpEcho, options.roundTrips, host));
    keep(bulk, await tcpBulk(ports.tcpSink, options.bulkMib * 1024 * 1024, host));
  }
  const summary = (runs: number[]) => ({ runs, median: median(runs) });
  return {
    options,
    udp: summary(udp),
    tcpKept: summary(tcpKept),
    tcpConnectEach: summary(tcpConnectEach),
    bulkMBps: summary(bulk),
  };
}

// --- Below: the servers, what each step observes, the exchanges, output, --serve ------------

// --- The servers: a UDP echo, a TCP echo, a TCP sink ------------------------------------------

export interface Servers {
  udpEcho: number;
  tcpEcho: number;
  tcpSink: number;
  close(): Promise<void>;
}

/** A TCP server that sends back whatever it receives. */
function tcpEchoServer(): Server {
  return createServer({ noDelay: true }, (socket) => {
    // Written straight back rather than through pipe(): a stream pipeline adds its own turns per chunk.
    socket.on('data', (chunk: Buffer) => socket.write(chunk));
    socket.on('end', () => socket.end());
  });
}

/** A TCP server that swallows everything and, when the client has finished, answers with the byte count. */
function tcpSinkServer(): Server {
  return createServer((socket) => {
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
    socket.on('end', () => socket.end(`${bytes}\n`));
  });
}

async function listenOn(server: Server, host: string, port: number): Promise<number> {
  server.listen(port, host);
  await onceWithin(server, 'listening', STEP_TIMEOUT_MS, `a TCP server on ${host}`);
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the server has no port');
  return address.port;
}

/**
 * Starts the three servers; `echoPort` names the echo port for both UDP and TCP (separate port spaces), 0 lets the
 * kernel choose.
 */
export async function startServers(host = HOST, echoPort = 0): Promise<Servers> {
  const udp: DatagramSocket = await startUdpEcho(host, echoPort);
  const echo = tcpEchoServer();
  const sink = tcpSinkServer();
  let tcpEcho: number;
  let tcpSink: number;
  try {
    tcpEcho = await listenOn(echo, host, echoPort);
    tcpSink = await listenOn(sink, host, 0);
  } catch (error) {
    // A TCP port that is taken (--serve --port P) must not leave the UDP echo or the other server open.
    udp.close();
    for (const server of [echo, sink]) if (server.listening) server.close();
    throw error;
  }
  const open = new Set<Socket>();
  for (const server of [echo, sink])
    server.on('connection', (socket: Socket) => open.add(socket).size && socket.on('close', () => open.delete(socket)));
  return {
    udpEcho: udp.address().port,
    tcpEcho,
    tcpSink,
    async close() {
      for (const socket of open) socket.destroy();
      await Promise.all([
        new Promise((resolve) => udp.close(() => resolve(undefined))),
        new Promise((resolve) => echo.close(resolve)),
        new Promise((resolve) => sink.close(resolve)),
      ]);
    },
  };
}

/** The TCP receiver, a module of its own run as a child process: see children/11-tcp-receiver.ts. */
const TCP_RECEIVER = new URL('../children/11-tcp-receiver.ts', import.meta.url);

export interface Reliability {
  records: number;
  payload: number;
  bytes: number;
  /**
   * Where the bytes were while the receiver was frozen: the kernels' queues, and the rest, in the
   * sending process. `nodeUnsent` is Node's own count of what it has not handed over (a partly
   * written chunk counts whole), so the process's share is never more than that.
   */
  whileFrozen: { receiverKernel: number; senderKernel: number; senderProcess: number; nodeUnsent: number } | null;
  received: number;
  sameBytes: boolean;
  inOrder: boolean;
}

export interface StreamBoundaries {
  writes: number[];
  reads: number[];
  sameBytes: boolean;
  /** The sizes of the datagrams the lesson's UDP receiver got for the same messages. */
  datagrams: number[];
}

export interface Overhead {
  /** "capture" when counted by tcpdump, "protocol" when derived from the specifications. */
  source: 'capture' | 'protocol';
  /** With "protocol": why there was no capture (tcpdump missing, or not allowed to capture). */
  reason?: string;
  udp: Capture;
  tcp: Capture;
}

/** One request and its reply over UDP. */
async function udpExchange(port: number): Promise<void> {
  const socket = await boundSocket('udp4', HOST);
  try {
    const reply = onceWithin(socket, 'message', STEP_TIMEOUT_MS, 'the UDP reply');
    await sendDatagram(socket, Buffer.alloc(MESSAGE_BYTES), port, HOST);
    await reply;
  } finally {
    socket.close();
  }
}

/** Connect, one request and its reply, close: the whole life of a short TCP conversation. */
async function tcpExchange(port: number): Promise<void> {
  const socket = createConnection({ host: HOST, port });
  try {
    await onceWithin(socket, 'connect', STEP_TIMEOUT_MS, 'the TCP connect');
    await within(requestReply(socket, Buffer.alloc(MESSAGE_BYTES)), STEP_TIMEOUT_MS, 'the TCP reply');
    socket.end();
    await onceWithin(socket, 'close', STEP_TIMEOUT_MS, 'the TCP teardown');
  } finally {
    socket.destroy();
  }
}

/** One packet as the protocols describe it: 20 bytes of IPv4 header, and TCP's 20 without options. */
const described = (label: string, toServer: boolean, transportHeader: number, payload = 0): WirePacket => ({
  label,
  toServer,
  ipHeader: 20,
  transportHeader,
  payload,
});

/** The exchange as the protocols describe it, for machines where tcpdump cannot capture. */
const PROTOCOL_VIEW: Omit<Overhead, 'reason'> = {
  source: 'protocol',
  udp: summarizeWire([described('request', true, 8, MESSAGE_BYTES), described('reply', false, 8, MESSAGE_BYTES)]),
  // Options (timestamps, MSS, window scale) come on top of the 20 bytes.
  tcp: summarizeWire([
    described('SYN', true, 20),
    described('SYN-ACK', false, 20),
    described('ACK', true, 20),
    described('request', true, 20, MESSAGE_BYTES),
    described('reply', false, 20, MESSAGE_BYTES),
    described('ACK', true, 20),
    described('FIN', true, 20),
    described('ACK', false, 20),
    described('FIN', false, 20),
    described('ACK', true, 20),
  ]),
};

export interface SpeedOptions {
  roundTrips: number;
  runs: number;
  bulkMib: number;
  /** Rounds of every measurement run first and not counted (default 1); see measureSpeed. */
  warmUpRounds?: number;
}

export interface Speed {
  options: SpeedOptions;
  /** Each measurement's runs, and their median. */
  udp: { runs: number[]; median: number };
  tcpKept: { runs: number[]; median: number };
  tcpConnectEach: { runs: number[]; median: number };
  bulkMBps: { runs: number[]; median: number };
}

export interface TcpVsUdpOptions extends SpeedOptions {
  flood: number;
  payload: number;
  datagrams: number;
}

export interface TcpVsUdpObservations {
  reliability: Reliability;
  boundaries: StreamBoundaries;
  overhead: Overhead;
  speed: Speed;
}

function overheadLine(name: string, capture: Capture): string {
  const headers = capture.ipHeaderBytes + capture.transportHeaderBytes;
  return (
    `${name}: ${capture.packets.length} packets (${capture.packets.join(', ')}); ${name} headers of ` +
    `${capture.transportHeaderSizes.join(' or ')} bytes; header bytes ${headers} (IP ${capture.ipHeaderBytes} + ` +
    `${name} ${capture.transportHeaderBytes}) for ${capture.payloadBytes} bytes of payload`
  );
}

/** One short exchange over each protocol, a packet an arrow, as a Mermaid sequence diagram. */
export function mermaidOverhead(seen: TcpVsUdpObservations): string[] {
  const { overhead } = seen;
  const lines = ['sequenceDiagram', '    participant C as client', '    participant S as server'];
  const source = overhead.source === 'capture' ? 'captured on lo' : 'as the protocols describe them (no capture)';
  for (const [name, capture] of [
    ['UDP', overhead.udp],
    ['TCP', overhead.tcp],
  ] as const) {
    lines.push(`    Note over C,S: ${name}: ${capture.packets.length} packets, ${source}`);
    for (const packet of capture.wire) {
      const bytes = `IP ${packet.ipHeader} + ${name} ${packet.transportHeader}`;
      const sizes = packet.payload > 0 ? `${bytes} + ${packet.payload} bytes` : bytes;
      lines.push(`    ${packet.toServer ? 'C->>S' : 'S->>C'}: ${packet.label} (${sizes})`);
    }
  }
  return lines;
}

/** Where the overhead figures come from: a capture, or the protocols' header sizes and why. */
const overheadSource = (overhead: Overhead) =>
  overhead.source === 'capture' ? 'counted from a tcpdump capture on lo' : `from the protocols (${overhead.reason})`;

/** The lesson, stated from the numbers: which costs more, TCP per message or TCP per connection? */
export function speedLesson(speed: Speed): string[] {
  const perMessage = speed.udp.median / speed.tcpKept.median;
  const perConnection = speed.tcpKept.median / speed.tcpConnectEach.median;
  const lessons = [
    `UDP completes ${perMessage.toFixed(1)} times as many round trips per second as TCP on a kept connection; ` +
      `a new TCP connection for each request cuts TCP's rate by a factor of ${perConnection.toFixed(1)}`,
  ];
  lessons.push(
    perConnection > perMessage
      ? 'so on loopback TCP pays mostly for its handshake and teardown, not per message: keep connections open'
      : 'so here TCP pays more per message than for its handshake',
  );
  return lessons;
}

export function renderTcpVsUdp(seen: TcpVsUdpObservations): Line[] {
  const { reliability, boundaries, overhead, speed } = seen;
  const lines: Line[] = [
    [
      'tcp',
      `${reliability.records} writes of ${reliability.payload} bytes (${reliability.bytes} bytes) to a receiver ` +
        `frozen with SIGSTOP`,
    ],
  ];
  if (reliability.whileFrozen) {
    const { receiverKernel, senderKernel, senderProcess } = reliability.whileFrozen;
    lines.push([
      'kernel',
      `while frozen: ${receiverKernel} bytes in the receiver's buffer (its window closed) + ${senderKernel} ` +
        `held by the sender's kernel + ${senderProcess} still in the sending process = ${reliability.bytes}; ` +
        `nothing dropped`,
    ]);
  }
  lines.push(
    [
      'tcp',
      `thawed: ${reliability.received} of ${reliability.bytes} bytes arrived, ` +
        `${reliability.sameBytes ? 'byte for byte the same' : 'DIFFERENT bytes'}, ` +
        `${reliability.inOrder ? 'in order' : 'OUT of order'} (UDP lost most of this burst in 10)`,
    ],
    [
      'tcp',
      `${boundaries.writes.length} writes of ${boundaries.writes.join(', ')} bytes arrived as ` +
        `${boundaries.reads.length} reads of ${boundaries.reads.join(', ')} bytes: one stream, ` +
        `${boundaries.sameBytes ? 'the same bytes' : 'DIFFERENT bytes'}, no boundaries`,
    ],
    ['overhead', `one ${MESSAGE_BYTES}-byte request and its reply, ${overheadSource(overhead)}:`],
    ['overhead', overheadLine('UDP', overhead.udp)],
    ['overhead', overheadLine('TCP', overhead.tcp)],
    [
      'speed',
      `medians of ${speed.options.runs} runs, ${speed.options.roundTrips} round trips of ${MESSAGE_BYTES} bytes ` +
        `each (client and server in this process):`,
    ],
    ['speed', `UDP request/reply                ${thousands(speed.udp.median).padStart(8)} round trips/s`],
    ['speed', `TCP, one kept connection         ${thousands(speed.tcpKept.median).padStart(8)} round trips/s`],
    ['speed', `TCP, a new connection each time  ${thousands(speed.tcpConnectEach.median).padStart(8)} round trips/s`],
    [
      'speed',
      `TCP bulk, ${speed.options.bulkMib} MiB per run           ${thousands(speed.bulkMBps.median).padStart(8)} MB/s`,
    ],
    ...speedLesson(speed).map((lesson): Line => ['lesson', lesson]),
  );
  return lines;
}

/** The speed flags, shared with the cost benchmark (bench/cost.ts). */
export function speedOptionsFrom(values: FlagValues): SpeedOptions {
  return {
    roundTrips: integerFlag(values, 'round-trips', ROUND_TRIPS.min, ROUND_TRIPS.max),
    runs: integerFlag(values, 'runs', RUNS.min, RUNS.max),
    bulkMib: integerFlag(values, 'bulk-mib', BULK_MIB.min, BULK_MIB.max),
  };
}

function optionsFrom(values: FlagValues): TcpVsUdpOptions {
  return {
    flood: integerFlag(values, 'flood', FLOOD.min, FLOOD.max),
    payload: integerFlag(values, 'payload', PAYLOAD.min, PAYLOAD.max),
    datagrams: integerFlag(values, 'datagrams', DATAGRAMS.min, DATAGRAMS.max),
    ...speedOptionsFrom(values),
  };
}

const NO_CAPTURE = {
  unmeasured: {
    en: 'counted only from a tcpdump capture, and there was none in this run',
    ko: 'tcpdump 캡처로만 셀 수 있는데, 이번 실행에는 캡처가 없었다',
  },
};

/** Predict, then run: `npm run exercise -- 11`. */
export const EXERCISE = defineExercise({
  knobs: KNOBS,
  observe: ({ FLOOD, PAYLOAD, DATAGRAMS, ROUND_TRIPS, RUNS, BULK_MIB }) =>
    observeTcpVsUdp({
      flood: FLOOD,
      payload: PAYLOAD,
      datagrams: DATAGRAMS,
      roundTrips: ROUND_TRIPS,
      runs: RUNS,
      bulkMib: BULK_MIB,
    }),
  questions: [
    {
      id: 'tcp-lost',
      kind: 'number',
      unit: UNITS.bytes,
      ask: {
        en: ({ FLOOD, PAYLOAD }) =>
          `${FLOOD} records of ${PAYLOAD} bytes, written over TCP to a receiver that is frozen for a while. How ` +
          'many bytes are lost?',
        ko: ({ FLOOD, PAYLOAD }) =>
          `${PAYLOAD}바이트짜리 레코드 ${FLOOD}개를, 한동안 멈춰 있는 수신자에게 TCP로 write한다. 잃는 바이트는 ` +
          '몇 바이트인가?',
      },
      measure: ({ reliability }) => reliability.bytes - reliability.received,
      why: {
        en: () =>
          "TCP's flow control: when the receiver's buffer is full the sender's kernel stops sending, and write() " +
          'keeps the rest in the process, so nothing is dropped',
        ko: () =>
          'TCP의 흐름 제어다. 받는 쪽 버퍼가 가득 차면 보내는 쪽 커널이 전송을 멈추고 write()가 나머지를 ' +
          '프로세스 안에 쌓아 두므로, 버려지는 것이 없다',
      },
    },
    {
      id: 'udp-packets',
      kind: 'number',
      ask: {
        en: () => 'One request and its reply over UDP: how many packets cross the loopback interface?',
        ko: () => 'UDP로 요청 하나와 그 응답: 루프백 인터페이스를 지나는 패킷은 몇 개인가?',
      },
      measure: ({ overhead }) => (overhead.source === 'capture' ? overhead.udp.packets.length : NO_CAPTURE),
      why: {
        en: () => 'no handshake and no acknowledgement: one datagram each way',
        ko: () => '핸드셰이크도 확인 응답(ACK)도 없다. 방향마다 데이터그램 하나다',
      },
    },
    {
      id: 'tcp-packets',
      kind: 'number',
      ask: {
        en: () => 'The same request and reply over a new TCP connection, opened and closed for it: how many packets?',
        ko: () => '같은 요청과 응답을, 이를 위해 새로 열고 닫는 TCP 연결로 하면 패킷은 몇 개인가?',
      },
      measure: ({ overhead }) => (overhead.source === 'capture' ? overhead.tcp.packets.length : NO_CAPTURE),
      why: {
        en: ({ overhead }) =>
          `the handshake, the data and their acknowledgements, and the teardown: ${overhead.tcp.packets.join(', ')}`,
        ko: ({ overhead }) => `핸드셰이크, 데이터와 그 확인 응답, 그리고 연결 종료: ${overhead.tcp.packets.join(', ')}`,
      },
    },
  ],
});

/** The command line, exported so tests can run it in-process. */
export const cli = defineScript({
  usage: `
Usage: npx tsx scripts/11-tcp-vs-udp.ts [--flood N] [--payload BYTES] [--datagrams N]
                                      [--round-trips N] [--runs N] [--bulk-mib MIB]
                                      [--json | --mermaid]
       npx tsx scripts/11-tcp-vs-udp.ts --serve [--host ${HOST}] [--port 0]

Puts TCP and UDP side by side on loopback: 10's flood over TCP to a frozen receiver, 10's burst of
sizes as TCP writes, the packets and header bytes of one short exchange (from tcpdump when it is
installed), and round trips per second (UDP, TCP on one connection, TCP with a connection per
request) with bulk TCP throughput, as medians of repeated runs. For client and server in separate
processes, and the C tools sockperf and iperf3 beside them: npm run bench.

--flood N          records in the burst (default ${DEFAULTS.flood})
--payload BYTES    bytes per record (default ${DEFAULTS.payload})
--datagrams N      writes of 10's sizes (default ${DEFAULTS.datagrams})
--round-trips N    round trips per run and kind (default ${DEFAULTS.roundTrips})
--runs N           runs per measurement; the median is shown (default ${DEFAULTS.runs})
--bulk-mib MIB     bytes per bulk run, in MiB (default ${DEFAULTS.bulkMib})
--serve            run the UDP echo, TCP echo and TCP sink for real clients until Ctrl-C
--host, --port     where --serve binds; --port is the echo port for both UDP and TCP
--mermaid          print the packets of the short exchange as a Mermaid diagram drawn from this run`,
  flags: {
    flood: { type: 'string', default: String(DEFAULTS.flood) },
    payload: { type: 'string', default: String(DEFAULTS.payload) },
    datagrams: { type: 'string', default: String(DEFAULTS.datagrams) },
    'round-trips': { type: 'string', default: String(DEFAULTS.roundTrips) },
    runs: { type: 'string', default: String(DEFAULTS.runs) },
    'bulk-mib': { type: 'string', default: String(DEFAULTS.bulkMib) },
  },
  demo: (values) => observeTcpVsUdp(optionsFrom(values)),
  render: renderTcpVsUdp,
  mermaid: mermaidOverhead,
  async serve(values) {
    const host = hostFlag(values);
    const servers = await startServers(host, values.port === undefined ? 0 : portFlag(values));
    // No line per datagram or connection here: these servers are measured, and printing would cost.
    const lines = [
      listeningLine('udp', host, servers.udpEcho, 'udp echo'),
      listeningLine('tcp', host, servers.tcpEcho, 'tcp echo'),
      listeningLine('tcp', host, servers.tcpSink, 'tcp sink: answers with the byte count'),
    ];
    await untilSignal(lines.join('\n'), () => servers.close());
  },
});

/** Runs the lab's command line: the lesson calls this when it runs as a program in the project. */
export const run = () => runScript(cli);

if (isMain(import.meta.url)) await run();
