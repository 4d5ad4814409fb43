/**
 * The lab of 15-lossy-link. Two hosts as in 14 (scripts/lib/hosts.ts). An nftables rule in B
 * drops a share LOSS of the packets arriving from the link, chosen by `numgen random`, and counts
 * them. The lab starts the lesson's receiver in B, then its UDP sender in A (paced: a batch at a
 * time, each after B has read or the rule has dropped all before it), then its TCP sender twice,
 * over the clean link and through the rule. Only packets toward B's port carry the rule: the
 * hosts' other traffic (ARP, neighbour discovery) passes. It counts in each namespace's
 * /proc/net/snmp, exact since nothing else runs there. Linux, as root, with nft.
 */
import { defineKnobs, defineScript, integerFlag, isMain, type FlagValues, type Line } from '../lib/cli.ts';
import { type Host, type HostProgram, must, nftCounter, nftRule, nftTable, startTwoHosts } from '../lib/hosts.ts';
import { parseCounters, parseTable } from '../lib/proc-net.ts';
import { defineExercise, UNITS } from '../lib/questions.ts';
import { untilTrue } from '../lib/wait.ts';
import { runLabOrRole } from '../lib/lab.ts';
import { main } from '../15-lossy-link.ts';

export const DEFAULTS = { loss: 10, datagrams: 1000, kib: 256 } as const;
/** The exercise's knobs: the same numbers and ranges as --loss, --datagrams and --kib. */
export const KNOBS = defineKnobs({
  LOSS: { fallback: DEFAULTS.loss, min: 0, max: 50 },
  DATAGRAMS: { fallback: DEFAULTS.datagrams, min: 1, max: 2000 },
  KIB: { fallback: DEFAULTS.kib, min: 1, max: 16 * 1024 },
});
/** Datagrams sent before waiting for B to account for them: few enough that B's receive buffer never fills. */
const BATCH = 50;
/** B's own nftables table: what arrives from the link passes its input chain. */
const TABLE = 'lossy';
export const RTO_MIN_MS = 10;
/** A TCP segment with data is longer than this; SYN, ACK and FIN alone are not, so the handshake always passes. */
const CARRIES_DATA = 100;
/** How long a host's program may take to print a line: it starts a Node process first. */
const PROGRAM_MS = 20_000;
/** Pacing waits for B per batch: B reads at once, the rule's counter is read by a process. */
const BATCH_MS = 10_000;
const LESSON = 'scripts/15-lossy-link.ts';
/** How often to ask B (and then its nft counter) again: each look is a call, and a process for nft. */
const TOOL_POLL_MS = 20;
const TRANSFER_MS = 20_000;

// --- Running the lesson's programs: the same link, first for UDP, then for TCP ----------------

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
    const receiver = b.start(LESSON, { ROLE: 'receiver', ADDRESS: b.ipv4 });
    const [, udpPort, tcpPort] = await receiver.line(/^server: ports udp (\d+), tcp (\d+)$/, PROGRAM_MS, 'its ports');
    return {
      loss: options.loss,
      hosts: { a: a.namespace, b: b.namespace },
      udp: await udpAcross(a, b, receiver, Number(udpPort), options),
      tcp: await tcpAcross(a, b, Number(tcpPort), options),
    };
  } finally {
    await stop();
  }
}

/** UDP: every datagram sent, and afterwards received + dropped by the rule = sent, exactly. */
async function udpAcross(a: Host, b: Host, receiver: HostProgram, port: number, options: LossyOptions) {
  const { loss, datagrams } = options;
  const rule = await addDropRule(b, `udp dport ${port}`, loss);
  const before = await countersIn(a);
  const env = { ROLE: 'udp', ADDRESS: b.ipv4, PORT: String(port), COUNT: String(datagrams), BATCH: String(BATCH) };
  const sender = a.start(LESSON, env);
  let received = 0;
  let dropped = 0;
  for (let sent = Math.min(BATCH, datagrams); ; sent = Math.min(sent + BATCH, datagrams)) {
    // Paced: the next batch waits until B has read or the rule has dropped every datagram so far.
    // The rule's counter costs a process (nsenter, nft) a look, B's count a line: the counter is
    // read only once B's count has held still for a look, so not while the batch is still coming.
    let lastRead: number | undefined;
    await untilTrue(
      async () => {
        received = await datagramsRead(receiver);
        const stillComing = received !== lastRead;
        lastRead = received;
        if (stillComing) return false;
        dropped = await ruleCounter(b, rule);
        return received + dropped >= sent;
      },
      BATCH_MS,
      `datagrams up to ${sent} to arrive or be dropped by the rule`,
      TOOL_POLL_MS,
    );
    if (sent === datagrams) break;
    sender.input('');
  }
  const [, bytes] = await sender.line(/^client: sent \d+ datagrams of (\d+) bytes/, PROGRAM_MS, 'its last send');
  await sender.exited(PROGRAM_MS);
  // Every sendmsg() that succeeded is one Udp.OutDatagrams of A's namespace.
  const sendErrors = datagrams - ((await countersIn(a))['Udp.OutDatagrams'] - before['Udp.OutDatagrams']);
  // B's socket never overflowed: its own drop count (/proc/net/udp) stays 0.
  const socketDrops = await receiverDrops(b, port);
  return { sent: datagrams, bytes: Number(bytes), sendErrors, received, droppedByRule: dropped, socketDrops };
}

/** How many datagrams B's program has read: Enter makes it say. */
async function datagramsRead(receiver: HostProgram): Promise<number> {
  const asked = receiver.lines.length;
  receiver.input('');
  const [, count] = await receiver.line(/^server: (\d+) so far$/, PROGRAM_MS, 'its count', asked);
  return Number(count);
}

/** The receiving socket's drops column in B's /proc/net/udp: datagrams its full buffer turned away. */
async function receiverDrops(b: Host, port: number): Promise<number> {
  const row = parseTable('udp', await must(b, 'cat', ['/proc/net/udp']), [port]).find((r) => r.localPort === port);
  if (!row) throw new Error(`B has no row in /proc/net/udp for port ${port}`);
  return row.drops!; // every row of a udp table has the column
}

/** The counters of `host`'s namespace, /proc/net/snmp and /proc/net/netstat read there. */
async function countersIn(host: Host): Promise<Record<string, number>> {
  return parseCounters(await must(host, 'cat', ['/proc/net/snmp', '/proc/net/netstat']));
}

/** TCP: the same bytes twice, over the clean link and through the rule; what arrived, and what it cost. */
async function tcpAcross(a: Host, b: Host, port: number, { loss, kib }: LossyOptions): Promise<TcpAcross> {
  const clean = await transfer(a, b.ipv4, port, kib);
  const rule = await addDropRule(b, `tcp dport ${port} meta length > ${CARRIES_DATA}`, loss);
  const lossy = await transfer(a, b.ipv4, port, kib);
  return { bytes: kib * 1024, clean, lossy, droppedByRule: await ruleCounter(b, rule) };
}

export interface Transfer {
  /** What B read, and whether it was byte for byte and in order what A wrote (the same SHA-256). */
  received: number;
  sameBytes: boolean;
  ms: number;
  /** Tcp.RetransSegs of A's namespace over the transfer: exact, nothing else runs there. */
  retransmittedSegments: number;
  /** TcpExt.TCPLossProbes over the transfer: tail loss probes, new data if any can go, else the last segment again. */
  lossProbes: number;
  /** ss -ti's retrans total for the connection, read before it closed. */
  ssRetrans: number | null;
}

const TRANSFERRED = /^client: port (\d+); sent (\d+) ([0-9a-f]{64}); B read (\d+) ([0-9a-f]{64}) (\d+)$/;

/** The lesson's TCP sender in A: its transfer, its retransmissions, and ss's count while it is still open. */
async function transfer(a: Host, address: string, port: number, kib: number): Promise<Transfer> {
  const before = await countersIn(a);
  const sender = a.start(LESSON, { ROLE: 'tcp', ADDRESS: address, PORT: String(port), COUNT: String(kib) });
  const [, localPort, , sentHash, read, readHash, ms] = await sender.line(TRANSFERRED, TRANSFER_MS, "B's answer");
  // Still open: its tcp_info, which ss reads, is there until the socket closes (Enter).
  const ssRetrans = await ssRetransIn(a, Number(localPort));
  sender.input('');
  await sender.exited(PROGRAM_MS);
  const after = await countersIn(a);
  return {
    received: Number(read),
    sameBytes: readHash === sentHash,
    ms: Number(ms),
    retransmittedSegments: after['Tcp.RetransSegs'] - before['Tcp.RetransSegs'],
    lossProbes: after['TcpExt.TCPLossProbes'] - before['TcpExt.TCPLossProbes'],
    ssRetrans,
  };
}

/** ss -ti's "retrans:current/total" for the connection from `localPort` in `host`: the total. */
async function ssRetransIn(host: Host, localPort: number): Promise<number> {
  const { stdout } = await host.tool('ss', ['-tinH', `sport = :${localPort}`]);
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
  /** The size of each datagram, as the sender says. */
  bytes: number;
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
  // A probe sends new data when it can, so probes are not a subset of the retransmissions.
  const probes = transfer.lossProbes > 0 ? `; ${transfer.lossProbes} tail loss probe(s) sent` : '';
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
      `UDP: ${udp.sent} datagrams of ${udp.bytes} bytes sent to B, ${BATCH} at a time; ` +
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
      ask: {
        en: ({ LOSS, DATAGRAMS }) =>
          `A sends ${DATAGRAMS} UDP datagrams over a link that drops about ${LOSS}% of them. How many of A's ` +
          'sends report an error?',
        ko: ({ LOSS, DATAGRAMS }) =>
          `데이터그램의 약 ${LOSS}%를 버리는 링크로 A가 UDP 데이터그램 ${DATAGRAMS}개를 보낸다. A의 send 가운데 ` +
          '오류를 알리는 것은 몇 개인가?',
      },
      measure: ({ udp }) => udp.sendErrors,
      why: {
        en: ({ udp }) =>
          `a send succeeds once A's kernel has the datagram; ${udp.droppedByRule} were lost on the way, and UDP ` +
          'sends nothing back to say so',
        ko: ({ udp }) =>
          `send는 A의 커널이 데이터그램을 받아 가면 성공한다. 가는 길에 ${udp.droppedByRule}개를 잃었지만, ` +
          'UDP는 그렇다고 알려 주는 것을 아무것도 돌려보내지 않는다',
      },
    },
    {
      id: 'tcp-lost',
      kind: 'number',
      unit: UNITS.bytes,
      ask: {
        en: ({ KIB }) => `${KIB} KiB over TCP through the same link: how many bytes fail to arrive?`,
        ko: ({ KIB }) => `같은 링크로 TCP를 써서 ${KIB} KiB를 보낸다. 도착하지 못하는 바이트는 몇 바이트인가?`,
      },
      measure: ({ tcp }) => tcp.bytes - tcp.lossy.received,
      why: {
        en: ({ tcp }) =>
          `the link dropped ${tcp.droppedByRule} segments and A's kernel sent ` +
          `${tcp.lossy.retransmittedSegments} again, each after missing its acknowledgement`,
        ko: ({ tcp }) =>
          `링크가 세그먼트 ${tcp.droppedByRule}개를 버렸고, A의 커널은 확인 응답이 오지 않은 세그먼트 ` +
          `${tcp.lossy.retransmittedSegments}개를 재전송했다`,
      },
    },
    {
      id: 'udp-accounting',
      kind: 'choice',
      ask: {
        en: () => "After the UDP run, does B's count plus the rule's counter equal what A sent?",
        ko: () => 'UDP 실행이 끝난 뒤, B가 받은 수에 규칙의 카운터를 더하면 A가 보낸 수와 같은가?',
      },
      options: [
        ['exactly', { en: 'exactly', ko: '정확히 같다' }],
        ['fewer', { en: 'fewer: some vanish without a trace', ko: '더 적다: 흔적 없이 사라지는 것이 있다' }],
        ['more', { en: 'more', ko: '더 많다' }],
      ],
      measure: ({ udp }) => {
        const accounted = udp.received + udp.droppedByRule;
        return accounted === udp.sent ? 'exactly' : accounted < udp.sent ? 'fewer' : 'more';
      },
      why: {
        en: () => "nothing else drops in this private link: B's buffer never filled, so every loss is the rule's",
        ko: () =>
          '이 전용 링크에서는 다른 무엇도 패킷을 버리지 않는다. B의 버퍼는 한 번도 차지 않았으니 손실은 모두 ' +
          '규칙이 낸 것이다',
      },
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

/** The lesson calls this when it runs as a program in the project: the lab, or one host's part. */
export const run = () => runLabOrRole(cli, main, ['udp', 'tcp']);

if (isMain(import.meta.url)) await run();
