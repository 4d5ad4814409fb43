/**
 * The lab of 10-udp-fire-and-forget: runs the lesson (scripts/10-udp-fire-and-forget.ts) and shows
 * what the kernel made of each step: the message sizes that arrived, the receiver's row in
 * /proc/net/udp while the flood could not be read (its queue and its drops) and after, the
 * sockets' states, and the namespace's counters of datagrams to nobody. It adds one probe the
 * lesson (udp4 only) leaves out: the largest payload over IPv6. Also --json, --mermaid, --serve (a
 * UDP echo server for nc -u) and the questions of `npm run exercise -- 10`.
 */
import type { Socket as DatagramSocket, SocketType } from 'node:dgram';
import {
  defineScript,
  integerFlag,
  isMain,
  portFlag,
  runScript,
  UsageError,
  type FlagValues,
  type Line,
  defineKnobs,
  formatEndpoint,
  hostFlag,
  listeningLine,
} from '../lib/cli.ts';
import { untilSignal } from '../lib/serve-lifetime.ts';
import { watchLesson } from '../lib/lab.ts';
import { main } from '../10-udp-fire-and-forget.ts';
import {
  BURST_KNOB,
  boundSocket,
  closeSocket,
  FLOOD_KNOB,
  FLOOD_PAYLOAD,
  LARGEST_PAYLOAD,
  sendDatagram,
  startUdpEcho,
} from '../lib/udp.ts';
import { hasProcNet, readCountersNow, readTableNow, type SocketRow } from '../lib/proc-net.ts';
import { defineExercise, same, UNITS } from '../lib/questions.ts';
import { onceWithin, stretchedByLoad, within } from '../lib/wait.ts';

const HOST = '127.0.0.1';
/** A bound on each step's event, longer on a loaded machine (taken when the lab loads). */
const STEP_TIMEOUT_MS = stretchedByLoad(2000);
/** The lesson ends in about a second; the bound only keeps a broken one from hanging. */
const LESSON_TIMEOUT_MS = 30_000;
/** The IPv6 probe's receiver asks for a large buffer, so that the largest datagram is not itself a flood. */
const ROOMY_RCVBUF = 4 * 1024 * 1024;

export const DEFAULTS = {
  datagrams: BURST_KNOB.fallback,
  flood: FLOOD_KNOB.fallback,
  payload: FLOOD_PAYLOAD,
  rcvbuf: 4096,
} as const;

/** The exercise's knobs: the same numbers and ranges as --datagrams, --flood, --payload and --rcvbuf. */
export const KNOBS = defineKnobs({
  DATAGRAMS: BURST_KNOB,
  FLOOD: FLOOD_KNOB,
  PAYLOAD: { fallback: DEFAULTS.payload, min: 4, max: LARGEST_PAYLOAD.udp4 },
  RCVBUF: { fallback: DEFAULTS.rcvbuf, min: 1, max: 64 * 1024 * 1024 },
});
const { DATAGRAMS, FLOOD, PAYLOAD, RCVBUF } = KNOBS.knobs;

// --- Watching the lesson run --------------------------------------------------------------

/**
 * The lesson's sockets, in the order it makes them: the receiver (the burst, then the flood), the
 * sender (every other send), and the socket it connects to the port nobody holds.
 */
const ROLES = ['receiver', 'sender', 'connected'] as const;

/** What the lesson printed at each step, as the lab reads it; the lab reads the kernel at the same moment. */
const STEPS = {
  burstSent: /^sender: \d+ sends of ([\d, ]+) bytes$/,
  burstReceived: /^receiver: \d+ messages of /,
  limit: /^sender: (\d+) bytes arrived as \d+; \d+ bytes: (\S+)$/,
  buffer: /^receiver: asked for \d+ bytes of buffer, got \d+$/,
  floodSent: /^sender: \d+ sends of \d+ bytes, (\d+) failed$/,
  floodRead: /^receiver: read \d+ of \d+; /,
  nobody: /^sender: \d+ sends to port (\d+): ([\w, ]+)$/,
} as const;
type Step = keyof typeof STEPS;

/** One datagram the receiver read: its size, and the number a flood datagram starts with. */
interface Arrival {
  bytes: number;
  number: number | null;
}

/** Runs the lesson with `options` and records, at each of its steps, what the kernel made of it. */
export async function observeUdp(options: UdpOptions = DEFAULTS): Promise<UdpObservations> {
  /* c8 ignore next: the line for systems without /proc/net, which CI (Linux) never takes */
  if (!hasProcNet) throw new Error('this lab reads drops and states in /proc/net/udp, which is Linux only');
  const sockets: Partial<Record<(typeof ROLES)[number], DatagramSocket>> = {};
  const arrivals: Arrival[] = [];
  const errorEvents: string[] = [];
  const connectedErrors: Array<{ code?: string; syscall?: string }> = [];
  let connectedState = '';
  let rcvbuf = 0;
  /** The step each printed line marked, what it said (its regex groups) and the lab's readings then. */
  const seen: Partial<Record<Step, { said: string[]; arrived: number; row?: SocketRow; counters?: Counters }>> = {};

  const watchSocket = (socket: DatagramSocket) => {
    const role = ROLES[Object.keys(sockets).length];
    if (!role) throw new Error('the lesson made more UDP sockets than the lab knows of');
    sockets[role] = socket;
    if (role === 'receiver')
      socket.on('message', (message: Buffer) =>
        arrivals.push({ bytes: message.length, number: message.length >= 4 ? message.readUInt32BE(0) : null }),
      );
    // Listeners for what the lesson cannot see itself: an 'error' with no listener would crash it.
    if (role === 'sender') socket.on('error', (error: NodeJS.ErrnoException) => errorEvents.push(String(error.code)));
    if (role === 'connected') {
      socket.on('connect', () => (connectedState = rowOf(socket).state));
      socket.on('error', ({ code, syscall }: NodeJS.ErrnoException) => connectedErrors.push({ code, syscall }));
    }
  };

  const onPrinted = (line: string) => {
    const step = (Object.keys(STEPS) as Step[]).find((name) => STEPS[name].test(line));
    if (!step) return;
    const said = STEPS[step].exec(line)!.slice(1); // found by the same regex just above
    const { receiver, sender } = sockets;
    // The receiver's row matters while it can read nothing and once it has read; the sender's when it speaks last.
    const row =
      step === 'floodSent' || step === 'floodRead' ? rowOf(receiver!) : step === 'nobody' ? rowOf(sender!) : undefined;
    const counters = ['buffer', 'floodRead', 'nobody'].includes(step) ? readCountersNow() : undefined;
    seen[step] = { said, arrived: arrivals.length, row, counters };
    if (step === 'buffer') rcvbuf = receiver!.getRecvBufferSize();
  };

  await within(
    watchLesson(() => main(options.datagrams, options.flood, options.payload, options.rcvbuf), {
      datagram: watchSocket,
      printed: onPrinted,
    }),
    LESSON_TIMEOUT_MS,
    `the lesson to run (${options.datagrams} sizes, a flood of ${options.flood}) and close its sockets`,
  );
  const step = (name: Step) => {
    const found = seen[name];
    if (!found) throw new Error(`the lesson never printed its line for ${name} (${STEPS[name]})`);
    return found;
  };

  const [burstSizes] = step('burstSent').said;
  const boundaries = {
    sent: burstSizes.split(', ').map(Number),
    received: arrivals.slice(0, step('burstReceived').arrived).map(({ bytes }) => bytes),
  };
  const [largest, oneMoreError] = step('limit').said;
  const udp4: SizeLimit = {
    type: 'udp4',
    host: HOST,
    largest: Number(largest),
    largestArrivedAs: arrivals[step('limit').arrived - 1].bytes,
    oneMoreError: oneMoreError === 'undefined' ? null : oneMoreError,
  };
  const flood = floodFrom(options, rcvbuf, arrivals, step('buffer'), step('floodSent'), step('floodRead'));
  const [port, results] = step('nobody').said;
  const sendCodes = results.split(', ');
  const [laterError] = connectedErrors;
  if (!laterError) throw new Error('the connected socket heard no error');
  const before = step('floodRead').counters!;
  const after = step('nobody').counters!;
  const nobody: NobodyThere = {
    port: Number(port),
    unconnected: {
      sends: sendCodes.length,
      sendErrors: sendCodes.filter((code) => code !== 'ok'),
      errorEvents,
      state: step('nobody').row!.state,
    },
    // A send that failed would have come first, as an 'error' from send(): the lesson's send has no callback.
    connected: {
      sendError: laterError.syscall === 'send' ? (laterError.code ?? null) : null,
      laterError,
      state: connectedState,
    },
    counters: {
      noPorts: after['Udp.NoPorts'] - before['Udp.NoPorts'],
      icmpUnreachables: after['Icmp.OutDestUnreachs'] - before['Icmp.OutDestUnreachs'],
    },
  };
  // Around the lesson, which keeps to udp4: the same limit over IPv6.
  const udp6 = (await probeSizeLimit('udp6')) ?? { type: 'udp6' as const, missing: true as const };
  return { boundaries, limits: [udp4, udp6], nobody, flood };
}

type Counters = Record<string, number>;

/** The flood, from the lab's readings at the lesson's three flood steps and the datagrams the receiver read. */
function floodFrom(
  options: UdpOptions,
  rcvbuf: number,
  arrivals: readonly Arrival[],
  buffer: { arrived: number; counters?: Counters },
  sent: { said: string[]; arrived: number; row?: SocketRow },
  read: { arrived: number; row?: SocketRow; counters?: Counters },
): Flood {
  const [failed] = sent.said;
  if (Number(failed) > 0) throw new Error(`the kernel refused ${failed} of the flood's sends`);
  if (sent.arrived !== buffer.arrived) throw new Error('the receiver read during the flood: it was meant not to');
  // The flood's datagrams, without the empty one the lesson sends last to know it has read them all.
  const numbers = arrivals
    .slice(buffer.arrived, read.arrived)
    .flatMap(({ bytes, number }) => (bytes === options.payload && number !== null ? [number] : []));
  return {
    sent: options.flood,
    payload: options.payload,
    rcvbufAsked: options.rcvbuf,
    rcvbuf,
    frozenQueue: { bytes: sent.row!.rxQueue, drops: sent.row!.drops! }, // every row of a udp table has drops
    received: numbers.length,
    dropped: read.row!.drops!,
    rcvbufErrors: read.counters!['Udp.RcvbufErrors'] - buffer.counters!['Udp.RcvbufErrors'],
    outOfOrder: numbers.filter((number, i) => i > 0 && number < numbers[i - 1]).length,
  };
}

/** The kernel's row for one of the lesson's UDP sockets, found by its local address and port. */
function rowOf(socket: DatagramSocket): SocketRow {
  const { address, port } = socket.address();
  const row = readTableNow('udp', [port]).find(
    (candidate) => candidate.localAddress === address && candidate.localPort === port,
  );
  if (!row) throw new Error(`no row for UDP port ${port} in /proc/net/udp`);
  return row;
}

/** Sends the largest payload and one byte more over one address family; null when that loopback address is missing. */
export async function probeSizeLimit(type: SocketType): Promise<SizeLimit | null> {
  const host = type === 'udp4' ? HOST : '::1';
  const largest = LARGEST_PAYLOAD[type];
  let receiver: DatagramSocket;
  try {
    receiver = await boundSocket(type, host, { recvBufferSize: ROOMY_RCVBUF });
  } catch (error) {
    if (FAMILY_MISSING.includes((error as NodeJS.ErrnoException).code)) return null;
    throw error;
  }
  const sender = await boundSocket(type, host).catch(async (error: unknown) => {
    await closeSocket(receiver);
    throw error;
  });
  try {
    const arrived = onceWithin(receiver, 'message', STEP_TIMEOUT_MS, `the ${largest}-byte datagram over ${type}`);
    const port = receiver.address().port;
    const refused = await sendDatagram(sender, Buffer.alloc(largest), port, host);
    if (refused) throw new Error(`the kernel refused the ${largest}-byte send over ${type}: ${refused}`);
    const [message] = (await arrived) as [Buffer];
    const oneMoreError = await sendDatagram(sender, Buffer.alloc(largest + 1), port, host);
    return { type, host, largest, largestArrivedAs: message.length, oneMoreError };
  } finally {
    await Promise.all([closeSocket(sender), closeSocket(receiver)]);
  }
}

export interface Boundaries {
  sent: number[];
  received: number[];
}

export interface SizeLimit {
  type: SocketType;
  host: string;
  largest: number;
  /** The size of the datagram that arrived when the largest one was sent. */
  largestArrivedAs: number;
  /** The error code for one byte more. */
  oneMoreError: string | null;
}

/** How a bind reports a missing family: no ::1 on lo (IPv6 disabled there), or no IPv6 in the kernel at all. */
const FAMILY_MISSING: ReadonlyArray<string | undefined> = ['EADDRNOTAVAIL', 'EAFNOSUPPORT'];

export interface NobodyThere {
  port: number;
  unconnected: { sends: number; sendErrors: string[]; errorEvents: string[]; state: string };
  connected: { sendError: string | null; laterError: { code?: string; syscall?: string }; state: string };
  /** Namespace-wide counter deltas: datagrams to no socket, ICMP port-unreachable sent. */
  counters: { noPorts: number; icmpUnreachables: number };
}

export interface Flood {
  sent: number;
  payload: number;
  /** The receive buffer asked for with SO_RCVBUF, and the one the kernel granted (it doubles the request). */
  rcvbufAsked: number;
  rcvbuf: number;
  /** The receiver's row after the last send, before it could read: bytes queued (rx_queue) and drops so far. */
  frozenQueue: { bytes: number; drops: number };
  received: number;
  /** The drops column of the receiver's row in /proc/net/udp. */
  dropped: number;
  /** Namespace-wide Udp RcvbufErrors delta: at least `dropped`, more if other sockets overflowed meanwhile. */
  rcvbufErrors: number;
  /** Datagrams that arrived after one sent later than them. */
  outOfOrder: number;
}

export interface UdpOptions {
  datagrams: number;
  flood: number;
  payload: number;
  rcvbuf: number;
}

export interface UdpObservations {
  boundaries: Boundaries;
  limits: Array<SizeLimit | { type: SocketType; missing: true }>;
  nobody: NobodyThere;
  flood: Flood;
}

const errorText = (code: string | null) => code ?? 'no error';

export function renderUdp(seen: UdpObservations): Line[] {
  const { boundaries, nobody, flood } = seen;
  const lines: Line[] = [
    ['sender', `${boundaries.sent.length} sends, back to back, of ${boundaries.sent.join(', ')} bytes`],
    [
      'receiver',
      `${boundaries.received.length} messages of ${boundaries.received.join(', ')} bytes: one message per send, ` +
        `the empty one included`,
    ],
  ];
  for (const limit of seen.limits) {
    if ('missing' in limit) {
      lines.push(['sender', `${limit.type}: no loopback address for this family here; skipped`]);
      continue;
    }
    lines.push([
      'sender',
      `${limit.type} to ${limit.host}: ${limit.largest} bytes accepted, arrived as ${limit.largestArrivedAs}; ` +
        `${limit.largest + 1} bytes: ${errorText(limit.oneMoreError)}`,
    ]);
  }
  const { unconnected, connected, counters } = nobody;
  lines.push(
    [
      'sender',
      `unconnected socket (state ${unconnected.state}): ${unconnected.sends} sends to port ${nobody.port}, ` +
        `which nobody holds: ${unconnected.sendErrors.length} failed, ${unconnected.errorEvents.length} 'error' ` +
        `events, not even after the ICMP replies came back`,
    ],
    [
      'sender',
      `connected socket (state ${connected.state}): the send itself: ${errorText(connected.sendError)}; then ` +
        `${connected.laterError.code} from ${connected.laterError.syscall}()`,
    ],
    [
      'kernel',
      `Udp NoPorts +${counters.noPorts}, Icmp OutDestUnreachs +${counters.icmpUnreachables}: a port unreachable ` +
        `for each of the ${unconnected.sends + 1} datagrams to nobody, the ${unconnected.sends} unconnected sends ` +
        'and the connected one (namespace-wide: other traffic only adds)',
    ],
  );
  const unexplained = flood.sent - flood.received - flood.dropped;
  lines.push(
    [
      'receiver',
      `receive buffer ${flood.rcvbuf} bytes: it asked for ${flood.rcvbufAsked}; the kernel caps an SO_RCVBUF ` +
        'request at net.core.rmem_max, then doubles it for its own bookkeeping',
    ],
    [
      'sender',
      `${flood.sent} datagrams of ${flood.payload} bytes, every send accepted, while the receiver could not read ` +
        '(one process: its event loop turns only after the last send)',
    ],
    ['kernel', `the receiver's row then: ${flood.frozenQueue.bytes} bytes queued, drops ${flood.frozenQueue.drops}`],
    ['receiver', `reads once the event loop turns: received ${flood.received}`],
    ['kernel', `the receiver's row in /proc/net/udp: drops ${flood.dropped}`],
    ['udp', `sent ${flood.sent} = received ${flood.received} + dropped ${flood.dropped}; unexplained: ${unexplained}`],
    [
      'udp',
      `datagrams that arrived out of sending order: ${flood.outOfOrder} (loopback has one path; UDP itself ` +
        `promises no order)`,
    ],
  );
  return lines;
}

function optionsFrom(values: FlagValues): UdpOptions {
  const options = {
    datagrams: integerFlag(values, 'datagrams', DATAGRAMS.min, DATAGRAMS.max),
    flood: integerFlag(values, 'flood', FLOOD.min, FLOOD.max),
    payload: integerFlag(values, 'payload', PAYLOAD.min, PAYLOAD.max),
    rcvbuf: integerFlag(values, 'rcvbuf', RCVBUF.min, RCVBUF.max),
  };
  if (options.payload * options.flood > 512 * 1024 * 1024)
    throw new UsageError('--flood times --payload must stay under 512 MiB');
  return options;
}

/** The flood into a receiver that cannot read yet, accounted for, as a Mermaid sequence diagram (`--mermaid`). */
export function mermaidUdp(seen: UdpObservations): string[] {
  const { flood } = seen;
  return [
    'sequenceDiagram',
    '    participant S as sender (unconnected)',
    '    participant K as kernel',
    '    participant R as receiver (not reading yet)',
    `    S->>K: ${flood.sent} sends of ${flood.payload} bytes, every one accepted`,
    `    K->>R: queued while each fits: ${flood.frozenQueue.bytes} bytes of a ${flood.rcvbuf}-byte buffer`,
    `    Note over K: the rest thrown away: drops ${flood.dropped} in the socket's row`,
    '    Note over S: nothing comes back to the sender',
    '    Note over R: the event loop turns',
    `    R->>K: reads until the queue is empty: received ${flood.received}`,
    `    Note over S,R: sent ${flood.sent} = received ${flood.received} + dropped ${flood.dropped}`,
  ];
}

/** Predict, then run: `npm run exercise -- 10`. */
export const EXERCISE = defineExercise({
  knobs: KNOBS,
  observe: ({ DATAGRAMS, FLOOD, PAYLOAD, RCVBUF }) =>
    observeUdp({ datagrams: DATAGRAMS, flood: FLOOD, payload: PAYLOAD, rcvbuf: RCVBUF }),
  questions: [
    {
      id: 'messages',
      kind: 'number',
      ask: {
        en: ({ DATAGRAMS }) =>
          `${DATAGRAMS} sends of different sizes (the first one empty), back to back. How many 'message' events ` +
          'does the receiver get?',
        ko: ({ DATAGRAMS }) =>
          `크기가 서로 다른 send ${DATAGRAMS}번(첫 번째는 빈 것)을 잇달아 한다. 받는 쪽은 'message' 이벤트를 ` +
          '몇 번 받나?',
      },
      measure: ({ boundaries }) => boundaries.received.length,
      why: {
        en: () => 'every send is one datagram and every receive takes exactly one, an empty one included',
        ko: () =>
          'send 한 번이 데이터그램 하나이고, receive 한 번은 정확히 하나를 가져간다. 빈 데이터그램도 마찬가지다',
      },
    },
    {
      id: 'largest-udp4',
      kind: 'number',
      unit: UNITS.bytes,
      ask: {
        en: () => 'The largest payload one UDP datagram can carry over IPv4 (one more byte fails)?',
        ko: () => 'UDP 데이터그램 하나가 IPv4로 나를 수 있는 가장 큰 페이로드는(1바이트만 더해도 실패한다)?',
      },
      measure: ({ limits }) => {
        const udp4 = limits.find((limit) => limit.type === 'udp4');
        return udp4 && !('missing' in udp4)
          ? udp4.largest
          : { unmeasured: { en: 'no IPv4 loopback here', ko: '여기에는 IPv4 루프백이 없다' } };
      },
      why: {
        en: () => "IPv4's 16-bit total length (65,535) less its 20-byte header and UDP's 8-byte header",
        ko: () => 'IPv4의 16비트 전체 길이(65,535)에서 IPv4 헤더 20바이트와 UDP 헤더 8바이트를 뺀 값이다',
      },
    },
    {
      id: 'nobody-there',
      kind: 'choice',
      ask: {
        en: () => 'An unconnected UDP socket sends to a port nobody holds. What does the sender get?',
        ko: () => 'connect하지 않은 UDP 소켓이 아무도 쓰고 있지 않은 포트로 보낸다. 보내는 쪽은 무엇을 받나?',
      },
      options: [
        [
          'nothing',
          {
            en: 'nothing: every send succeeds and no error follows',
            ko: '아무것도 없다: send는 모두 성공하고 오류도 따라오지 않는다',
          },
        ],
        ['ECONNREFUSED', same('ECONNREFUSED')],
        ['EHOSTUNREACH', same('EHOSTUNREACH')],
      ],
      measure: ({ nobody }) => nobody.unconnected.sendErrors[0] ?? nobody.unconnected.errorEvents[0] ?? 'nothing',
      why: {
        en: ({ nobody }) =>
          `the receiving kernel answers with ICMP port unreachable (${nobody.counters.icmpUnreachables} sent), ` +
          'but an unconnected UDP socket is not told',
        ko: ({ nobody }) =>
          `받는 쪽 커널은 ICMP port unreachable로 답하지만(${nobody.counters.icmpUnreachables}개 보냄), ` +
          'connect하지 않은 UDP 소켓에는 그 소식이 전해지지 않는다',
      },
    },
    {
      id: 'rcvbuf',
      kind: 'number',
      unit: UNITS.bytes,
      ask: {
        en: ({ RCVBUF }) =>
          `The receiver asks for a receive buffer of ${RCVBUF} bytes (setRecvBufferSize, SO_RCVBUF). What does ` +
          'getRecvBufferSize() then report?',
        ko: ({ RCVBUF }) =>
          `받는 쪽이 수신 버퍼를 ${RCVBUF}바이트로 요청한다(setRecvBufferSize, SO_RCVBUF). 그다음 ` +
          'getRecvBufferSize()는 얼마라고 하나?',
      },
      measure: ({ flood }) => flood.rcvbuf,
      why: {
        en: () =>
          'the kernel caps the value asked for at net.core.rmem_max, then doubles it to leave room for its own ' +
          'bookkeeping, with a floor (socket(7); __sock_set_rcvbuf() in net/core/sock.c)',
        ko: () =>
          '커널은 요청한 값을 먼저 net.core.rmem_max로 제한한 다음, 관리용 공간을 남기려고 두 배로 한다. ' +
          '하한도 있다(socket(7), net/core/sock.c의 __sock_set_rcvbuf())',
      },
      notes: '#42-udp-fire-and-forget-10-udp-fire-and-forget',
    },
  ],
});

/** The command line, exported so tests can run it in-process. */
export const cli = defineScript({
  usage: `
Usage: npx tsx scripts/10-udp-fire-and-forget.ts [--datagrams N] [--flood N] [--payload BYTES]
         [--rcvbuf BYTES] [--json]
       npx tsx scripts/10-udp-fire-and-forget.ts --serve [--host ${HOST}] [--port 0]

Sends UDP datagrams on loopback: a burst of different sizes (each arrives as its own message),
the largest payload over IPv4 and IPv6 and one byte more, a flood into a receiver that cannot
read yet, whose losses the kernel counts per socket, and sends to a port nobody holds from an
unconnected and a connected socket.

--datagrams N    datagrams in the burst (default ${DEFAULTS.datagrams})
--flood N        datagrams sent while the receiver cannot read (default ${DEFAULTS.flood})
--payload BYTES  bytes in each flood datagram, at least 4 (default ${DEFAULTS.payload})
--rcvbuf BYTES   the flooded receiver's SO_RCVBUF request (default ${DEFAULTS.rcvbuf})
--serve          run a UDP echo server for real clients (nc -u HOST PORT) until Ctrl-C`,
  flags: {
    datagrams: { type: 'string', default: String(DEFAULTS.datagrams) },
    flood: { type: 'string', default: String(DEFAULTS.flood) },
    payload: { type: 'string', default: String(DEFAULTS.payload) },
    rcvbuf: { type: 'string', default: String(DEFAULTS.rcvbuf) },
  },
  demo: (values) => observeUdp(optionsFrom(values)),
  render: renderUdp,
  mermaid: mermaidUdp,
  async serve(values) {
    const port = values.port === undefined ? 0 : portFlag(values);
    const socket = await startUdpEcho(hostFlag(values), port, (bytes, from) =>
      process.stdout.write(`server: a datagram of ${bytes} bytes from ${formatEndpoint(from)}, echoed back\n`),
    );
    const bound = socket.address();
    await untilSignal(listeningLine('udp', bound.address, bound.port), () => closeSocket(socket));
  },
});

/** Runs the lab's command line: the lesson calls this when it runs as a program in the project. */
export const run = () => runScript(cli);

if (isMain(import.meta.url)) await run();
