/**
 * @title A lossy link: UDP loses what the link loses, TCP retransmits it
 * @concept On a link that drops packets at random, UDP's losses are exactly the link's and the sender is never told,
 *   while TCP delivers every byte in order by retransmitting, and pays for it in time.
 * @notes #52-a-lossy-link-udp-loses-tcp-retransmits-15-lossy-link
 * @run npx tsx scripts/15-lossy-link.ts
 * @resource https://wiki.nftables.org/wiki-nftables/index.php/Math_operations
 * @resource https://man7.org/linux/man-pages/man7/udp.7.html
 * @resource https://man7.org/linux/man-pages/man7/tcp.7.html
 * @knobs LOSS (percent of packets toward B the link drops; default 10, 0 to 50), DATAGRAMS (UDP datagrams sent;
 *   default 1000), KIB (KiB sent over TCP; default 256)
 *
 * Two hosts as in 14 (scripts/lib/hosts.ts). An nftables rule in B drops a share LOSS of the
 * packets arriving from the link, chosen by `numgen random`, and counts them. UDP datagrams go
 * from A to B first, then a TCP transfer, once over the clean link and once through the rule.
 * Only packets toward B's port carry the rule: the hosts' other traffic (ARP, neighbour
 * discovery) passes. Linux, as root, with nft (apt-get install nftables).
 */
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { performance } from 'node:perf_hooks';
import { defineKnobs, defineScript, integerFlag, isMain, runScript, type FlagValues, type Line } from './lib/cli.ts';
import { type Host, must, nftCounter, nftRule, nftTable, startTwoHosts } from './lib/hosts.ts';
import { readCounters, readTable } from './lib/proc-net.ts';
import { defineExercise } from './lib/questions.ts';
import { findTool, runTool } from './lib/tools.ts';
import { boundSocket, closeSocket } from './lib/udp.ts';
import { onceWithin, untilTrue } from './lib/wait.ts';

export const DEFAULTS = { loss: 10, datagrams: 1000, kib: 256 } as const;
/** The exercise's knobs: the same numbers and ranges as --loss, --datagrams and --kib. */
export const KNOBS = defineKnobs({
  LOSS: { fallback: DEFAULTS.loss, min: 0, max: 50 },
  DATAGRAMS: { fallback: DEFAULTS.datagrams, min: 1, max: 2000 },
  KIB: { fallback: DEFAULTS.kib, min: 1, max: 16 * 1024 },
});
const DATAGRAM_BYTES = 64;
/** Datagrams sent before waiting for B to account for them: few enough that B's receive buffer never fills. */
const BATCH = 50;
const LENGTH_BYTES = 4;
/** B's own nftables table: what arrives from the link passes its input chain. */
const TABLE = 'lossy';
export const RTO_MIN_MS = 10;
/** A TCP segment with data is longer than this; SYN, ACK and FIN alone are not, so the handshake always passes. */
const CARRIES_DATA = 100;
const STEP_MS = 2000;
/** How often to ask B and its nft counter again: each look is two calls and a process. */
const TOOL_POLL_MS = 20;
const TRANSFER_MS = 20_000;
const SELF = new URL(import.meta.url);

// --- The lesson: the same link, first for UDP, then for TCP -----------------------------------

export interface LossyOptions {
  loss: number;
  datagrams: number;
  kib: number;
}

export async function observeLossyLink(options: LossyOptions = DEFAULTS): Promise<LossyObservations> {
  const { a, b, stop } = await startTwoHosts();
  try {
    await nftTable(b, TABLE, ['input']);
    await shortenRetransmissionTimeout(a);
    return {
      loss: options.loss,
      hosts: { a: a.namespace, b: b.namespace },
      udp: await udpAcross(a, b, options),
      tcp: await tcpAcross(a, b, options),
    };
  } finally {
    await stop();
  }
}

/** UDP: every datagram sent, and afterwards received + dropped by the rule = sent, exactly. */
async function udpAcross(a: Host, b: Host, { loss, datagrams }: LossyOptions): Promise<UdpAcross> {
  const port = await b.call<number>(SELF, 'receiveDatagrams', b.ipv4);
  const rule = await addDropRule(b, `udp dport ${port}`, loss);
  let sendErrors = 0;
  let received = 0;
  let dropped = 0;
  for (let sent = 0; sent < datagrams; ) {
    const batch = Math.min(BATCH, datagrams - sent);
    // A's sendmsg() calls: each returns once A's own kernel has taken the datagram. Nothing comes back.
    sendErrors += await a.call<number>(SELF, 'sendDatagrams', b.ipv4, port, sent, batch);
    sent += batch;
    // Paced: the next batch waits until B has read or the rule has dropped every datagram so far.
    await untilTrue(
      async () => {
        received = await b.call<number>(SELF, 'datagramsReceived');
        dropped = await ruleCounter(b, rule);
        return received + dropped >= sent;
      },
      STEP_MS,
      `datagrams up to ${sent} to arrive or be dropped by the rule`,
      TOOL_POLL_MS,
    );
  }
  // B's socket never overflowed: its own drop count (/proc/net/udp) stays 0.
  const socketDrops = await b.call<number>(SELF, 'receiverDrops', port);
  await b.call(SELF, 'closeReceiver');
  return { sent: datagrams, sendErrors, received, droppedByRule: dropped, socketDrops };
}

/** TCP: the same bytes twice, over the clean link and through the rule; what arrived, and what it cost. */
async function tcpAcross(a: Host, b: Host, { loss, kib }: LossyOptions): Promise<TcpAcross> {
  const port = await b.call<number>(SELF, 'receiveStream', b.ipv4);
  const clean = await a.call<Transfer>(SELF, 'sendStream', b.ipv4, port, kib);
  const rule = await addDropRule(b, `tcp dport ${port} meta length > ${CARRIES_DATA}`, loss);
  const lossy = await a.call<Transfer>(SELF, 'sendStream', b.ipv4, port, kib);
  const droppedByRule = await ruleCounter(b, rule);
  await b.call(SELF, 'closeStreamServer');
  return { bytes: kib * 1024, clean, lossy, droppedByRule };
}

// --- What each host runs ----------------------------------------------------------------------

let receiver: Awaited<ReturnType<typeof boundSocket>> | undefined;
let datagramCount = 0;

/** B: a UDP socket on `address` that counts the datagrams it reads. Returns its port. */
export async function receiveDatagrams(address: string): Promise<number> {
  receiver = await boundSocket('udp4', address);
  datagramCount = 0;
  receiver.on('message', () => datagramCount++);
  return receiver.address().port;
}

export const datagramsReceived = async (): Promise<number> => datagramCount;

/** The receiving socket's drops column in /proc/net/udp: datagrams its full buffer turned away. */
export async function receiverDrops(port: number): Promise<number> {
  const row = (await readTable('udp', [port])).find((candidate) => candidate.localPort === port);
  if (!row) throw new Error(`B has no row in /proc/net/udp for port ${port}`);
  return row.drops!; // every row of a udp table has the column
}

export async function closeReceiver(): Promise<void> {
  if (receiver) await closeSocket(receiver);
}

/** A: datagrams numbered from `first`, `count` of them, each send awaited; how many sends failed. */
export async function sendDatagrams(address: string, port: number, first: number, count: number): Promise<number> {
  const socket = createSocket('udp4');
  let failed = 0;
  try {
    for (let i = first; i < first + count; i++) {
      const datagram = Buffer.alloc(DATAGRAM_BYTES);
      datagram.writeUInt32BE(i);
      await new Promise<void>((resolve) =>
        socket.send(datagram, port, address, (error) => {
          if (error) failed++;
          resolve();
        }),
      );
    }
    return failed;
  } finally {
    await closeSocket(socket);
  }
}

let streamServer: Server | undefined;

/**
 * B: a TCP server that reads a 4-byte length, then that many bytes, and answers with the count and
 * their SHA-256 while the connection is still open (so that A can read its own socket's figures).
 */
export async function receiveStream(address: string): Promise<number> {
  streamServer = createServer((socket) => {
    const hash = createHash('sha256');
    let header = Buffer.alloc(0);
    let expected: number | undefined;
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => {
      let body = chunk;
      if (expected === undefined) {
        // The header may come in pieces too (fix exercise 8).
        header = Buffer.concat([header, chunk]);
        if (header.length < LENGTH_BYTES) return;
        expected = header.readUInt32BE(0);
        body = header.subarray(LENGTH_BYTES);
      }
      bytes += body.length;
      hash.update(body);
      if (bytes >= expected) socket.write(JSON.stringify({ bytes, sha256: hash.digest('hex') }));
    });
  });
  streamServer.listen(0, address);
  await onceWithin(streamServer, 'listening', STEP_MS, 'the stream server');
  return (streamServer.address() as AddressInfo).port;
}

export async function closeStreamServer(): Promise<void> {
  streamServer?.close();
}

export interface Transfer {
  /** What B read, and whether it was byte for byte and in order what A wrote (the same SHA-256). */
  received: number;
  sameBytes: boolean;
  ms: number;
  /** Tcp.RetransSegs of A's namespace over the transfer: exact, nothing else runs there. */
  retransmittedSegments: number;
  /** TcpExt.TCPLossProbes over the transfer: tail loss probes, the last segment sent again when its ACK is slow. */
  lossProbes: number;
  /** ss -ti's retrans total for the connection, read before it closed; null without ss. */
  ssRetrans: number | null;
}

/** A: `kib` KiB of numbered bytes to address:port, then end(); B's answer, the time and the retransmissions. */
export async function sendStream(address: string, port: number, kib: number): Promise<Transfer> {
  const data = Buffer.alloc(kib * 1024);
  for (let i = 0; i < data.length; i += 4) data.writeUInt32BE(i / 4, i);
  const before = await readCounters();
  const startedAt = performance.now();
  const socket = createConnection({ host: address, port });
  try {
    await onceWithin(socket, 'connect', STEP_MS, 'the connection to B');
    const length = Buffer.alloc(LENGTH_BYTES);
    length.writeUInt32BE(data.length);
    socket.write(length);
    socket.write(data);
    // B answers once it has read every byte: by then A's kernel has had all of them acknowledged.
    const [answer] = (await onceWithin(socket, 'data', TRANSFER_MS, "B's answer")) as [Buffer];
    const ms = performance.now() - startedAt;
    // Still open: its tcp_info, which ss reads, is there until the socket closes.
    const ssRetrans = await ssRetransOf(socket.localPort!);
    const { bytes, sha256 } = JSON.parse(answer.toString()) as { bytes: number; sha256: string };
    return {
      received: bytes,
      sameBytes: sha256 === createHash('sha256').update(data).digest('hex'),
      ms,
      ...(await retransmissionsSince(before)),
      ssRetrans,
    };
  } finally {
    socket.destroy();
  }
}

async function retransmissionsSince(before: Record<string, number>) {
  const after = await readCounters();
  return {
    retransmittedSegments: after['Tcp.RetransSegs'] - before['Tcp.RetransSegs'],
    lossProbes: after['TcpExt.TCPLossProbes'] - before['TcpExt.TCPLossProbes'],
  };
}

/** ss -ti's "retrans:current/total" for the connection from `localPort`: the total. */
async function ssRetransOf(localPort: number): Promise<number | null> {
  const ss = await findTool('ss');
  if (!ss) return null;
  const { stdout } = await runTool(ss, ['-tinH', `sport = :${localPort}`]);
  return Number(/\bretrans:\d+\/(\d+)/.exec(stdout)?.[1] ?? 0);
}

// --- Instrumentation: the rule on B's side of the link ----------------------------------------

/**
 * A's route to B with rto_min RTO_MIN_MS (ip-route(8)) instead of Linux's 200 ms: a segment lost
 * twice running waits 2 × RTO, three times 4 ×, and at LOSS=50 the default would turn a short
 * transfer into a minute.
 */
async function shortenRetransmissionTimeout(a: Host): Promise<void> {
  const route = ['192.0.2.0/24', 'dev', a.link, 'proto', 'kernel', 'scope', 'link', 'src', a.ipv4];
  await must(a, 'ip', ['route', 'replace', ...route, 'rto_min', `${RTO_MIN_MS}ms`]);
}

/** Drops "MATCH" and a random LOSS out of 100 of what arrives at B from the link, counting each; its handle. */
function addDropRule(b: Host, match: string, loss: number): Promise<number> {
  const chance = ['numgen', 'random', 'mod', '100', '<', String(loss)];
  return nftRule(b, TABLE, 'input', ['iifname', b.link, ...match.split(' '), ...chance, 'counter', 'drop']);
}

const ruleCounter = (b: Host, handle: number) => nftCounter(b, TABLE, 'input', handle);

// --- The observations and their story ---------------------------------------------------------

export interface UdpAcross {
  sent: number;
  sendErrors: number;
  received: number;
  droppedByRule: number;
  socketDrops: number;
}

export interface TcpAcross {
  bytes: number;
  clean: Transfer;
  lossy: Transfer;
  droppedByRule: number;
}

export interface LossyObservations {
  loss: number;
  /** The hosts' namespaces, as /proc/PID/ns/net names them. */
  hosts: { a: string; b: string };
  udp: UdpAcross;
  tcp: TcpAcross;
}

const ms = (value: number) => `${Math.round(value)} ms`;
const segments = (count: number) => `${count} segment${count === 1 ? '' : 's'}`;

function retransmittedText(transfer: Transfer): string {
  const probes = transfer.lossProbes > 0 ? `, of which ${transfer.lossProbes} tail loss probe(s)` : '';
  return `${segments(transfer.retransmittedSegments)} retransmitted${probes}`;
}
const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`;

export function renderLossyLink(seen: LossyObservations): Line[] {
  const { udp, tcp, loss } = seen;
  const unexplained = udp.sent - udp.received - udp.droppedByRule;
  const ss = tcp.lossy.ssRetrans === null ? '' : `; ss -ti: retrans ${tcp.lossy.ssRetrans}`;
  return [
    ['link', `an nft rule in B drops ${loss}% of the packets for B's port at random (numgen random), and counts them`],
    [
      'A',
      `UDP: ${udp.sent} datagrams of ${DATAGRAM_BYTES} bytes sent to B, ${BATCH} at a time; ` +
        `${udp.sendErrors} sends failed`,
    ],
    ['B', `received ${udp.received}; its socket dropped ${udp.socketDrops} (its buffer never filled)`],
    ['link', `the rule dropped ${udp.droppedByRule} (${percent(udp.droppedByRule, udp.sent)} of them)`],
    [
      'udp',
      `sent ${udp.sent} = received ${udp.received} + dropped on the link ${udp.droppedByRule}; ` +
        `unexplained: ${unexplained}; nothing told A`,
    ],
    [
      'A',
      `TCP: A's route to B has rto_min ${RTO_MIN_MS} ms (Linux's default is 200 ms), so a segment lost ` +
        'again and again waits milliseconds, not seconds',
    ],
    ['A', `TCP, clean link: ${tcp.bytes} bytes in ${ms(tcp.clean.ms)}, ${retransmittedText(tcp.clean)}`],
    [
      'A',
      `TCP, through the rule: ${tcp.bytes} bytes in ${ms(tcp.lossy.ms)}, ${retransmittedText(tcp.lossy)} ` +
        `(Tcp.RetransSegs of A's namespace${ss})`,
    ],
    ['link', `the rule dropped ${segments(tcp.droppedByRule)} carrying data; the handshake and bare ACKs passed`],
    [
      'B',
      `read ${tcp.lossy.received} bytes, ` +
        `${tcp.lossy.sameBytes ? 'the same bytes in the same order' : 'NOT the bytes sent'}`,
    ],
    [
      'tcp',
      `every byte arrived, in order; the transfer took ${(tcp.lossy.ms / tcp.clean.ms).toFixed(1)} times ` +
        "the clean link's time",
    ],
  ];
}

/** What the rule did to each protocol in this run, as a Mermaid sequence diagram (`--mermaid`). */
export function mermaidLossyLink(seen: LossyObservations): string[] {
  const { udp, tcp, loss } = seen;
  return [
    'sequenceDiagram',
    '    participant A as host A',
    `    participant R as rule in B (drops ${loss}%)`,
    '    participant B as host B',
    `    A->>R: ${udp.sent} UDP datagrams`,
    `    R->>B: received ${udp.received}`,
    `    Note over R: dropped ${udp.droppedByRule}, counted; A is told nothing`,
    `    A->>R: ${tcp.bytes} bytes over TCP`,
    `    Note over R: dropped ${tcp.droppedByRule} segments carrying data`,
    `    Note over A: no ACK for them: ${tcp.lossy.retransmittedSegments} segments retransmitted`,
    `    R->>B: read ${tcp.lossy.received} bytes, ${tcp.lossy.sameBytes ? 'the same, in order' : 'NOT the bytes sent'}`,
  ];
}

/** Predict, then run: `npm run exercise -- 15`. */
export const EXERCISE = defineExercise({
  knobs: KNOBS,
  observe: ({ LOSS, DATAGRAMS, KIB }) => observeLossyLink({ loss: LOSS, datagrams: DATAGRAMS, kib: KIB }),
  questions: [
    {
      id: 'udp-told',
      kind: 'number',
      ask: ({ LOSS, DATAGRAMS }) =>
        `A sends ${DATAGRAMS} UDP datagrams over a link that drops about ${LOSS}% of them. How many of A's ` +
        'sends report an error?',
      measure: ({ udp }) => udp.sendErrors,
      why: ({ udp }) =>
        `a send succeeds once A's kernel has the datagram; ${udp.droppedByRule} were lost on the way, and UDP ` +
        'sends nothing back to say so',
    },
    {
      id: 'tcp-lost',
      kind: 'number',
      unit: 'bytes',
      ask: ({ KIB }) => `${KIB} KiB over TCP through the same link: how many bytes fail to arrive?`,
      measure: ({ tcp }) => tcp.bytes - tcp.lossy.received,
      why: ({ tcp }) =>
        `the link dropped ${tcp.droppedByRule} segments and A's kernel sent ` +
        `${tcp.lossy.retransmittedSegments} again, each after missing its acknowledgement`,
    },
    {
      id: 'udp-accounting',
      kind: 'choice',
      ask: () => "After the UDP run, does B's count plus the rule's counter equal what A sent?",
      options: [
        ['exactly', 'exactly'],
        ['fewer', 'fewer: some vanish without a trace'],
        ['more', 'more'],
      ],
      measure: ({ udp }) => {
        const accounted = udp.received + udp.droppedByRule;
        return accounted === udp.sent ? 'exactly' : accounted < udp.sent ? 'fewer' : 'more';
      },
      why: () => "nothing else drops in this private link: B's buffer never filled, so every loss is the rule's",
    },
  ],
});

function lossyFlags(values: FlagValues): LossyOptions {
  return {
    loss: integerFlag(values, 'loss', 0, 50),
    datagrams: integerFlag(values, 'datagrams', 1, 2000),
    kib: integerFlag(values, 'kib', 1, 16 * 1024),
  };
}

/** The command line, exported so tests can run it in-process. */
export const cli = defineScript({
  usage: `
Usage: npx tsx scripts/15-lossy-link.ts [--loss PERCENT] [--datagrams N] [--kib N]
                                        [--json | --mermaid]

Makes two hosts joined by a link (as 14), where an nftables rule in B drops a share of the
packets at random and counts them. Sends UDP datagrams from A to B and accounts for every one,
then sends the same bytes over TCP twice, over the clean link and through the rule, and shows
what arrived, what was retransmitted and what it cost in time. Linux, as root, with nft.

--loss PERCENT  share of packets toward B's port dropped, 0 to 50 (default ${DEFAULTS.loss})
--datagrams N   UDP datagrams sent, 1 to 2000 (default ${DEFAULTS.datagrams})
--kib N         KiB sent over TCP, 1 to 16384 (default ${DEFAULTS.kib})`,
  flags: {
    loss: { type: 'string', default: String(DEFAULTS.loss) },
    datagrams: { type: 'string', default: String(DEFAULTS.datagrams) },
    kib: { type: 'string', default: String(DEFAULTS.kib) },
  },
  demo: (values) => observeLossyLink(lossyFlags(values)),
  render: renderLossyLink,
  mermaid: mermaidLossyLink,
});

if (isMain(import.meta.url)) await runScript(cli);
