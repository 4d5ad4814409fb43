/**
 * @title UDP: fire and forget
 * @concept UDP sends datagrams with no connection: each send is one message of a limited size, a send to nobody is not
 *   an error, and a full receiver drops what it cannot hold.
 * @notes #42-udp-fire-and-forget-10-udp-fire-and-forget
 * @run npx tsx scripts/10-udp-fire-and-forget.ts
 * @resource https://nodejs.org/api/dgram.html
 * @resource https://man7.org/linux/man-pages/man7/udp.7.html
 * @knobs DATAGRAMS (datagrams of different sizes sent back to back), FLOOD (datagrams sent to a frozen receiver),
 *   PAYLOAD (bytes in each of them), RCVBUF (the frozen receiver's SO_RCVBUF request)
 *
 * Four experiments, each on loopback: datagrams keep their boundaries; the largest payload per
 * address family and one byte more; a send to a port nobody holds, from an unconnected and from a
 * connected socket; and a flood into a receiver frozen with SIGSTOP, with every lost datagram
 * found in the kernel's per-socket drop counter.
 */
import { createSocket, type Socket, type SocketType } from 'node:dgram';
import {
  defineScript,
  integerFlag,
  isMain,
  portFlag,
  runScript,
  untilSignal,
  UsageError,
  type FlagValues,
  type Line,
  defineKnobs,
  formatEndpoint,
  hostFlag,
  listeningLine,
} from './lib/cli.ts';
import { startNodeChild } from './lib/child.ts';
import { boundSocket, closeSocket } from './lib/udp.ts';
import { hasProcNet, readCounters, readSysctl, readTable, readTables, type Table } from './lib/proc-net.ts';
import { defineExercise } from './lib/questions.ts';
import { onceWithin, untilTrue, within } from './lib/wait.ts';

const HOST = '127.0.0.1';
const STEP_TIMEOUT_MS = 2000;
/**
 * Explicit ports for "nobody holds it" are drawn from below the kernel's ephemeral range, where port-0 binds never
 * land.
 */
const UNHELD_PORT_FLOOR = 10_000;
/** The boundary receiver asks for a large buffer, so that a back-to-back burst is not itself a flood. */
const ROOMY_RCVBUF = 4 * 1024 * 1024;
/** Sends from the unconnected socket to the port nobody holds. */
const UNCONNECTED_SENDS = 3;

export const DEFAULTS = { datagrams: 5, flood: 2000, payload: 200, rcvbuf: 4096 } as const;

/** The biggest UDP payload: a 16-bit length field minus the 8-byte UDP header, and for IPv4 also its 20-byte header. */
export const LARGEST_PAYLOAD = { udp4: 0xffff - 20 - 8, udp6: 0xffff - 8 } as const;
/** The exercise's knobs: the same numbers and ranges as --datagrams, --flood, --payload and --rcvbuf. */
export const KNOBS = defineKnobs({
  DATAGRAMS: { fallback: DEFAULTS.datagrams, min: 1, max: 64 },
  FLOOD: { fallback: DEFAULTS.flood, min: 1, max: 100_000 },
  PAYLOAD: { fallback: DEFAULTS.payload, min: 4, max: LARGEST_PAYLOAD.udp4 },
  RCVBUF: { fallback: DEFAULTS.rcvbuf, min: 1, max: 64 * 1024 * 1024 },
});
const { DATAGRAMS, FLOOD, PAYLOAD, RCVBUF } = KNOBS.knobs;

// --- The lesson: UDP sockets send datagrams, and nothing comes back to say they arrived ---------

export async function observeUdp(options: UdpOptions = DEFAULTS): Promise<UdpObservations> {
  /* c8 ignore next: the line for systems without /proc/net, which CI (Linux) never takes */
  if (!hasProcNet)
    throw new Error('this lesson picks its unheld port and counts drops in /proc/net/udp, which is Linux only');
  // 1. Boundaries: each send (sendmsg(), in libuv) is one datagram, and each recvmsg() takes exactly one.
  const boundaries = await sendBurst(datagramSizes(options.datagrams));
  // 2. The size limit: the largest payload one datagram can carry, over IPv4 and IPv6, and one byte more.
  const limits: UdpObservations['limits'] = [];
  for (const type of ['udp4', 'udp6'] as const) limits.push((await probeSizeLimit(type)) ?? { type, missing: true });
  // 3. No connection: a send to a port nobody holds succeeds; only a connect()ed socket hears of the refusal.
  const nobody = await sendToNobody();
  // 4. No delivery guarantee: a receiver that cannot read, and the kernel drops what its buffer cannot hold.
  const flood = await floodFrozenReceiver(options.flood, options.payload, options.rcvbuf);
  return { boundaries, limits, nobody, flood };
}

/** Sends datagrams of the given sizes back to back and records the size of every message that arrives. */
export async function sendBurst(sizes: readonly number[]): Promise<Boundaries> {
  const receiver = await boundSocket('udp4', HOST, { recvBufferSize: ROOMY_RCVBUF });
  const sender = await boundSocket('udp4', HOST).catch(async (error: unknown) => {
    await closeSocket(receiver);
    throw error;
  });
  try {
    const received: number[] = [];
    const allArrived = new Promise<void>((resolve) => {
      receiver.on('message', (message: Buffer) => {
        received.push(message.length);
        if (received.length === sizes.length) resolve();
      });
    });
    await sendEach(
      sender,
      sizes.map((size, i) => Buffer.alloc(size, i)),
      receiver.address().port,
      HOST,
    );
    await within(allArrived, STEP_TIMEOUT_MS, `${sizes.length} datagrams to arrive (${received.length} did)`);
    return { sent: [...sizes], received };
  } finally {
    await Promise.all([closeSocket(sender), closeSocket(receiver)]);
  }
}

/** Sends the largest payload and one byte more over one address family; null when that loopback address is missing. */
export async function probeSizeLimit(type: SocketType): Promise<SizeLimit | null> {
  const host = type === 'udp4' ? HOST : '::1';
  const largest = LARGEST_PAYLOAD[type];
  let receiver: Socket;
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
    await sendEach(sender, [Buffer.alloc(largest)], port, host);
    const [message] = (await arrived) as [Buffer];
    const oneMoreError = await sendDatagram(sender, Buffer.alloc(largest + 1), port, host);
    return { type, host, largest, largestArrivedAs: message.length, oneMoreError };
  } finally {
    await Promise.all([closeSocket(sender), closeSocket(receiver)]);
  }
}

/**
 * Sends to a closed port twice over: from an unconnected socket (no error, ever) and from a
 * connected one, which hears the ICMP port-unreachable as ECONNREFUSED on its next receive.
 */
export async function sendToNobody(): Promise<NobodyThere> {
  const before = await readCounters();
  const port = await findUnheldPort(['udp', 'udp6']);
  const unconnected = await boundSocket('udp4', HOST);
  const connected = createSocket('udp4');
  const errorEvents: string[] = [];
  unconnected.on('error', (error: NodeJS.ErrnoException) => errorEvents.push(String(error.code)));
  try {
    const sendResults: Array<string | null> = [];
    for (let i = 0; i < UNCONNECTED_SENDS; i++)
      sendResults.push(await sendDatagram(unconnected, Buffer.from(`hello ${i}`), port, HOST));
    const unconnectedState = (await udpRow(unconnected.address().port)).state;

    connected.connect(port, HOST);
    await onceWithin(connected, 'connect', STEP_TIMEOUT_MS, 'the UDP connect (a local step: no packet is sent)');
    const connectedState = (await udpRow(connected.address().port)).state;
    // The refusal comes back later as an ICMP message; the socket reports it on its next operation.
    const refused = onceWithin(
      connected,
      'error',
      STEP_TIMEOUT_MS,
      `ECONNREFUSED from port ${port} (did another process bind it meanwhile?)`,
    );
    const sendError = await sendDatagram(connected, Buffer.from('hello?'));
    const [{ code, syscall }] = (await refused) as [NodeJS.ErrnoException];

    // The ICMP for this datagram comes after the refusal above: if the unconnected socket were told, it would be by
    // now.
    sendResults.push(await sendDatagram(unconnected, Buffer.from('still there?'), port, HOST));
    const after = await readCounters();
    return {
      port,
      unconnected: {
        sends: sendResults.length,
        sendErrors: sendResults.filter((result) => result !== null),
        errorEvents,
        state: unconnectedState,
      },
      connected: { sendError, laterError: { code, syscall }, state: connectedState },
      counters: {
        noPorts: after['Udp.NoPorts'] - before['Udp.NoPorts'],
        icmpUnreachables: after['Icmp.OutDestUnreachs'] - before['Icmp.OutDestUnreachs'],
      },
    };
  } finally {
    await Promise.all([closeSocket(unconnected), closeSocket(connected)]);
  }
}

/** Floods a receiver that cannot read, then lets it read, and accounts for every datagram. */
export async function floodFrozenReceiver(count: number, payload: number, rcvbuf: number): Promise<Flood> {
  const receiver = await startNodeChild({ module: FROZEN_RECEIVER, args: [HOST, String(rcvbuf)] });
  const sender = await boundSocket('udp4', HOST).catch(async (error: unknown) => {
    await receiver.stop();
    throw error;
  });
  try {
    const bound = await receiver.next<{ port: number; rcvbuf: number }>(STEP_TIMEOUT_MS, 'the receiver to bind');
    const before = await readCounters();
    await receiver.freeze();

    const numbered = Array.from({ length: count }, (_, i) => {
      const datagram = Buffer.alloc(payload);
      datagram.writeUInt32BE(i, 0);
      return datagram;
    });
    await sendEach(sender, numbered, bound.port, HOST);
    // What the frozen receiver's queue holds now: its bytes (truesize, as the kernel charges them) and its drops.
    const frozen = await udpRow(bound.port);

    // Thaw the receiver and wait until it has read everything the kernel queued for it.
    await receiver.thaw();
    await untilTrue(
      async () => (await udpRow(bound.port)).rxQueue === 0,
      STEP_TIMEOUT_MS,
      'the receiver to drain its queue',
    );
    receiver.send('count');
    const { received, outOfOrder } = await receiver.next<{ received: number; outOfOrder: number }>(
      STEP_TIMEOUT_MS,
      "the receiver's count",
    );
    const dropped = (await udpRow(bound.port)).drops!; // every row of a udp table has the column
    const after = await readCounters();
    return {
      sent: count,
      payload,
      rcvbufAsked: rcvbuf,
      rcvbuf: bound.rcvbuf,
      frozenQueue: { bytes: frozen.rxQueue, drops: frozen.drops! },
      received,
      dropped,
      rcvbufErrors: after['Udp.RcvbufErrors'] - before['Udp.RcvbufErrors'],
      outOfOrder,
    };
  } finally {
    await closeSocket(sender);
    await receiver.stop();
  }
}

// --- Below: what each step observes, sending and binding plumbing, output, --serve ----------

/**
 * Sizes for the boundary burst: an empty datagram first, then sizes spread evenly on a log scale up to the IPv4
 * maximum.
 */
export function datagramSizes(count: number): number[] {
  return Array.from({ length: count }, (_, i) => (i === 0 ? 0 : Math.round(LARGEST_PAYLOAD.udp4 ** (i / (count - 1)))));
}

/** Sends one datagram and resolves with the send's error code, or null when the kernel took it. */
export function sendDatagram(socket: Socket, payload: Buffer, port?: number, host?: string): Promise<string | null> {
  return new Promise((resolve) => {
    // A send that fails reports a system error, and those always carry an errno code.
    const done = (error: NodeJS.ErrnoException | null) => resolve(error ? String(error.code) : null);
    if (port === undefined) socket.send(payload, done);
    else socket.send(payload, port, host, done);
  });
}

/**
 * Sends datagrams back to back to one address; resolves once the kernel took them all, rejects with the first refusal.
 */
export async function sendEach(socket: Socket, payloads: readonly Buffer[], port: number, host: string): Promise<void> {
  const codes = await Promise.all(payloads.map((payload) => sendDatagram(socket, payload, port, host)));
  const refused = codes.findIndex((code) => code !== null);
  if (refused >= 0)
    throw new Error(`the kernel refused the ${payloads[refused].length}-byte send to port ${port}: ${codes[refused]}`);
}

/**
 * A UDP port that no socket in this network namespace holds right now (neither udp nor udp6),
 * picked at random below the ephemeral range. Another process could still bind it a moment later;
 * the connected socket's ECONNREFUSED below is the witness that nobody did.
 */
export async function findUnheldPort(tables: readonly Table[]): Promise<number> {
  const held = new Set((await readTables(tables)).map((row) => row.localPort));
  const [ephemeralLow] = (await readSysctl('net/ipv4/ip_local_port_range')).split(/\s+/).map(Number);
  const ceiling = Math.max(UNHELD_PORT_FLOOR + 1, ephemeralLow);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const port = UNHELD_PORT_FLOOR + Math.floor(Math.random() * (ceiling - UNHELD_PORT_FLOOR));
    if (!held.has(port)) return port;
  }
  throw new Error(`found no unheld port from ${UNHELD_PORT_FLOOR} to ${ceiling - 1}`);
}

/** The kernel's row for a UDP socket bound to HOST (state, queue, drops), found by its local address and port. */
async function udpRow(port: number) {
  const row = (await readTable('udp', [port])).find(
    (candidate) => candidate.localAddress === HOST && candidate.localPort === port,
  );
  if (!row) throw new Error(`no row for UDP port ${port} in /proc/net/udp`);
  return row;
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

/** The receiver, a module of its own run as a child process: see children/10-frozen-receiver.ts. */
const FROZEN_RECEIVER = new URL('./children/10-frozen-receiver.ts', import.meta.url);

export interface Flood {
  sent: number;
  payload: number;
  /** The receive buffer asked for with SO_RCVBUF, and the one the kernel granted (it doubles the request). */
  rcvbufAsked: number;
  rcvbuf: number;
  /** The receiver's row while it was frozen, after the last send: bytes queued (rx_queue) and drops so far. */
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
      `frozen with SIGSTOP, receive buffer ${flood.rcvbuf} bytes: it asked for ${flood.rcvbufAsked}, and the ` +
        'kernel doubles an SO_RCVBUF request for its own bookkeeping, within a floor and net.core.rmem_max',
    ],
    ['sender', `${flood.sent} datagrams of ${flood.payload} bytes, every send accepted`],
    ['receiver', `thawed with SIGCONT: received ${flood.received}`],
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

/** A UDP echo server for real clients (`nc -u 127.0.0.1 PORT`): every datagram goes straight back to its sender. */
export async function startUdpEcho(
  host: string,
  port: number,
  onDatagram?: (bytes: number, from: { address: string; port: number }) => void,
): Promise<Socket> {
  const type: SocketType = host.includes(':') ? 'udp6' : 'udp4';
  const socket = await boundSocket(type, host, { port });
  socket.on('message', (message: Buffer, from) => {
    onDatagram?.(message.length, from);
    socket.send(message, from.port, from.address);
  });
  return socket;
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

/** The flood into a frozen receiver, accounted for, as a Mermaid sequence diagram (`--mermaid`). */
export function mermaidUdp(seen: UdpObservations): string[] {
  const { flood } = seen;
  return [
    'sequenceDiagram',
    '    participant S as sender (unconnected)',
    '    participant K as kernel',
    '    participant R as receiver (SIGSTOP)',
    `    S->>K: ${flood.sent} sends of ${flood.payload} bytes, every one accepted`,
    `    K->>R: queued while each fits: ${flood.frozenQueue.bytes} bytes of a ${flood.rcvbuf}-byte buffer`,
    `    Note over K: the rest thrown away: drops ${flood.dropped} in the socket's row`,
    '    Note over S: nothing comes back to the sender',
    '    Note over R: SIGCONT',
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
      ask: ({ DATAGRAMS }) =>
        `${DATAGRAMS} sends of different sizes (the first one empty), back to back. How many 'message' events ` +
        'does the receiver get?',
      measure: ({ boundaries }) => boundaries.received.length,
      why: () => 'every send is one datagram and every receive takes exactly one, an empty one included',
    },
    {
      id: 'largest-udp4',
      kind: 'number',
      unit: 'bytes',
      ask: () => 'The largest payload one UDP datagram can carry over IPv4 (one more byte fails)?',
      measure: ({ limits }) => {
        const udp4 = limits.find((limit) => limit.type === 'udp4');
        return udp4 && !('missing' in udp4) ? udp4.largest : { unmeasured: 'no IPv4 loopback here' };
      },
      why: () => "IPv4's 16-bit total length (65,535) less its 20-byte header and UDP's 8-byte header",
    },
    {
      id: 'nobody-there',
      kind: 'choice',
      ask: () => 'An unconnected UDP socket sends to a port nobody holds. What does the sender get?',
      options: [
        ['nothing', 'nothing: every send succeeds and no error follows'],
        ['ECONNREFUSED', 'ECONNREFUSED'],
        ['EHOSTUNREACH', 'EHOSTUNREACH'],
      ],
      measure: ({ nobody }) => nobody.unconnected.sendErrors[0] ?? nobody.unconnected.errorEvents[0] ?? 'nothing',
      why: ({ nobody }) =>
        `the receiving kernel answers with ICMP port unreachable (${nobody.counters.icmpUnreachables} sent), but ` +
        'an unconnected UDP socket is not told',
    },
    {
      id: 'rcvbuf',
      kind: 'number',
      unit: 'bytes',
      ask: ({ RCVBUF }) =>
        `The receiver asks for a receive buffer of ${RCVBUF} bytes (setRecvBufferSize, SO_RCVBUF). What does ` +
        'getRecvBufferSize() then report?',
      measure: ({ flood }) => flood.rcvbuf,
      why: () =>
        'the kernel doubles the value asked for, to leave room for its own bookkeeping, within a floor and the cap ' +
        'net.core.rmem_max (socket(7))',
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
the largest payload over IPv4 and IPv6 and one byte more, sends to a port nobody holds from an
unconnected and a connected socket, and a flood into a receiver frozen with SIGSTOP whose losses
the kernel counts per socket.

--datagrams N    datagrams in the burst (default ${DEFAULTS.datagrams})
--flood N        datagrams sent to the frozen receiver (default ${DEFAULTS.flood})
--payload BYTES  bytes in each flood datagram, at least 4 (default ${DEFAULTS.payload})
--rcvbuf BYTES   the frozen receiver's SO_RCVBUF request (default ${DEFAULTS.rcvbuf})
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

if (isMain(import.meta.url)) await runScript(cli);
