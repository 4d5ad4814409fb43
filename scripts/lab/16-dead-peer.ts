/**
 * The lab of 16-dead-peer. Two hosts as in 14. It starts the lesson's server program in B and its
 * client program in A, which opens four connections to B. Then B "dies" for three of them:
 * nftables rules in B drop everything on that port both ways, as if B had lost power. For the
 * fourth, B "reboots": its socket is destroyed while nothing can leave (ss -K, the reset
 * swallowed), then its link works again. A's namespace gets short timers (tcp_retries2 = RETRIES,
 * keepalive after 1 s idle, 2 probes 1 s apart). The lab tells the client that B is gone (a line
 * on its standard input), reads its timers with ss, and reads each ending from what it prints.
 * Linux, as root, with nft.
 */
import { defineKnobs, defineScript, integerFlag, isMain, type FlagValues, type Line } from '../lib/cli.ts';
import { type Host, type HostProgram, must, nftDelete, nftRule, nftTable, startTwoHosts } from '../lib/hosts.ts';
import { defineExercise, same } from '../lib/questions.ts';
import { untilTrue } from '../lib/wait.ts';
import { runLabOrRole } from '../lib/lab.ts';
import { main } from '../16-dead-peer.ts';
import { modelTimeoutMs } from '../lib/tcp-timers.ts';

export const DEFAULT_RETRIES = 3;
export const KNOBS = defineKnobs({ RETRIES: { fallback: DEFAULT_RETRIES, min: 1, max: 4 } });
/** A's keepalive settings: probes after 1 s of silence, 2 of them, 1 s apart. */
const KEEPALIVE = { time: 1, intvl: 1, probes: 2 };
/** B's own nftables table, with the rules that make it vanish. */
const TABLE = 'dead';
/** How often to ask ss again: its timers count in hundreds of milliseconds, and each look starts a process. */
const TOOL_POLL_MS = 50;
/** Long enough for RETRIES = 4: 6.2 s by the kernel's model, and up to one more backed-off timeout. */
const ENDING_MS = 30_000;
/** How long a host's program may take to print a line: it starts a Node process first. */
const PROGRAM_MS = 20_000;
const LESSON = 'scripts/16-dead-peer.ts';
/** The client program's four connections, in the order it opens them (connection 1 is the first). */
const CONNECTIONS = ['retransmitting', 'keepalive', 'idle', 'rebooted'] as const;
type Connection = (typeof CONNECTIONS)[number];

// --- Running the lesson's programs: four connections, a peer that vanishes, three endings --------

export async function observeDeadPeer(retries = DEFAULT_RETRIES): Promise<DeadPeerObservations> {
  const { a, b, stop } = await startTwoHosts();
  try {
    // /proc/sys/net is per namespace: these timers are A's alone.
    await must(a, 'sysctl', [
      '-q',
      '-w',
      `net.ipv4.tcp_retries2=${retries}`,
      `net.ipv4.tcp_keepalive_time=${KEEPALIVE.time}`,
      `net.ipv4.tcp_keepalive_intvl=${KEEPALIVE.intvl}`,
      `net.ipv4.tcp_keepalive_probes=${KEEPALIVE.probes}`,
    ]);
    const server = b.start(LESSON, { ROLE: 'server', ADDRESS: b.ipv4 });
    const ports = {
      dead: await portOf(server, 'dies'),
      rebooted: await portOf(server, 'reboots'),
    };
    const client = a.start(LESSON, { ROLE: 'client', ADDRESS: b.ipv4, PORTS: `${ports.dead},${ports.rebooted}` });
    await client.line(/^client: all four open/, PROGRAM_MS, 'its four connections');
    const clientPorts = await localPortsOf(client);

    // B dies for the first three: nothing in, nothing out on that port. For the fourth it reboots.
    await nftTable(b, TABLE, ['input', 'output']);
    await nftRule(b, TABLE, 'input', ['tcp', 'dport', String(ports.dead), 'drop']);
    await nftRule(b, TABLE, 'output', ['tcp', 'sport', String(ports.dead), 'drop']);
    const swallow = await nftRule(b, TABLE, 'output', ['tcp', 'sport', String(ports.rebooted), 'drop']);
    const rebootedBy = await reboot(b, server, clientPorts.rebooted, swallow);

    // "B is gone": the client writes on connections 1 and 4, and the endings come side by side.
    client.input('');
    const written = { retransmitting: await writtenOn(client, 1), rebooted: await writtenOn(client, 4) };
    const [retransTimer, keepaliveTimer] = await Promise.all([
      timerWhen(a, clientPorts.retransmitting, 'on', 1),
      timerWhen(a, clientPorts.keepalive, 'keepalive', 1),
    ]);
    const [retransmitting, keepalive, rebooted] = await Promise.all([1, 2, 4].map((n) => endingOf(client, n)));
    const idle = await idleState(a, client, clientPorts.idle);
    const rtoMaxMs = await rtoMaxOf(a);
    return {
      retries,
      keepalive: KEEPALIVE,
      written,
      timers: { retransmitting: retransTimer, keepalive: keepaliveTimer },
      endings: { retransmitting, keepalive, rebooted },
      idle,
      rebootedBy,
      model: { retriesMs: giveUpMs(retries, rtoMaxMs), defaultMs: giveUpMs(15, rtoMaxMs), rtoMaxMs },
    };
  } finally {
    await stop();
  }
}

/** The port the server program says its listener `which` ('dies', 'reboots') has. */
async function portOf(server: HostProgram, which: string): Promise<number> {
  const pattern = new RegExp(`^server: the one that ${which} listens on port (\\d+)$`);
  const [, port] = await server.line(pattern, PROGRAM_MS, `the port of the server that ${which}`);
  return Number(port);
}

/** Each connection's local port in A, from the client program's lines. */
async function localPortsOf(client: HostProgram): Promise<Record<Connection, number>> {
  const ports: Partial<Record<Connection, number>> = {};
  for (const [i, name] of CONNECTIONS.entries()) {
    const pattern = new RegExp(`^client: connection ${i + 1} from port (\\d+)$`);
    ports[name] = Number((await client.line(pattern, PROGRAM_MS, `connection ${i + 1}'s port`))[1]);
  }
  return ports as Record<Connection, number>;
}

/**
 * B loses its socket for the connection from `clientPort` without a word, then its link works
 * again. ss -K destroys the socket (SOCK_DESTROY), and the reset it sends is dropped by the rule;
 * where the kernel cannot destroy sockets, the server program is killed instead (its FINs are
 * dropped the same way).
 */
async function reboot(b: Host, server: HostProgram, clientPort: number, swallowRule: number): Promise<string> {
  const killed = await b.tool('ss', ['-K', '-tn', 'dport', '=', `:${clientPort}`]);
  const how = killed.code === 0 && killed.stdout.includes(String(clientPort)) ? 'ss -K' : 'its program killed';
  if (how !== 'ss -K') await server.stop();
  await nftDelete(b, TABLE, 'output', swallowRule);
  return how;
}

export interface Ending {
  code: string | null;
  /** Milliseconds from the moment B died. */
  afterMs: number;
}

export interface Written {
  /** The write callback fired without an error: A's kernel took the bytes. */
  accepted: boolean;
  afterMs: number;
}

const AT = 'at \\+([\\d.]+) s$';

/** What the client program says its write() on connection `n` did. */
async function writtenOn(client: HostProgram, n: number): Promise<Written> {
  const pattern = new RegExp(`^client: connection ${n}: write\\(\\) (accepted|failed) ${AT}`);
  const [, outcome, seconds] = await client.line(pattern, PROGRAM_MS, `the write() on connection ${n}`);
  return { accepted: outcome === 'accepted', afterMs: Number(seconds) * 1000 };
}

/** The error the client program reports for connection `n`, waited for (bounded); null code if none came. */
async function endingOf(client: HostProgram, n: number): Promise<Ending> {
  const pattern = new RegExp(`^client: connection ${n}: ([A-Z]+) ${AT}`);
  try {
    const [, code, seconds] = await client.line(pattern, ENDING_MS, `an error on connection ${n}`);
    return { code, afterMs: Number(seconds) * 1000 };
  } catch {
    return { code: null, afterMs: ENDING_MS };
  }
}

/**
 * ss -to's timer for the connection from `localPort` in `host`, read once it shows `kind` with
 * `count` expirations and once with `count + 1`: two readings, so the growing wait shows. A
 * connection that ends before the second reading leaves the first alone.
 */
async function timerWhen(host: Host, localPort: number, kind: string, count: number): Promise<string> {
  const readings: string[] = [];
  for (const wanted of [count, count + 1]) {
    let timer = '';
    let gone = false;
    await untilTrue(
      async () => {
        const { stdout } = await host.tool('ss', ['-tnoH', `sport = :${localPort}`]);
        gone = stdout.trim() === '';
        timer = /timer:\(([^)]*)\)/.exec(stdout)?.[1] ?? '';
        const [shown, , expirations] = timer.split(',');
        return gone || (shown === kind && Number(expirations) >= wanted);
      },
      ENDING_MS,
      `the ${kind} timer of port ${localPort}`,
      TOOL_POLL_MS,
    );
    if (gone) break;
    readings.push(`timer:(${timer})`);
  }
  return readings.join(' then ');
}

export interface IdleState {
  error: boolean;
  state: string;
}

/** The idle connection without keepalive: whether the client reported an error on it, and its state in ss. */
async function idleState(host: Host, client: HostProgram, localPort: number): Promise<IdleState> {
  const { stdout } = await host.tool('ss', ['-tnH', 'state', 'all', `sport = :${localPort}`]);
  const error = client.lines.some((line) => /^client: connection 3: [A-Z]+ at/.test(line));
  return { error, state: stdout.trim().split(/\s+/)[0] ?? 'unknown' };
}

/** tcp_rto_max_ms in `host` (Linux 6.15 and later); the fixed 120 s before it. */
async function rtoMaxOf(host: Host): Promise<number> {
  const { code, stdout } = await host.tool('sysctl', ['-n', 'net.ipv4.tcp_rto_max_ms']);
  return code === 0 ? Number(stdout.trim()) : 120_000;
}

// --- Instrumentation ----------------------------------------------------------------------------

/**
 * How long the kernel keeps retransmitting before ETIMEDOUT, as ip-sysctl.rst and tcp_timer.c
 * (tcp_model_timeout) work it out: timeouts doubling from 200 ms up to the maximum RTO, then
 * flat. tcp_retries2 = 15 gives 924.6 s.
 */
export const giveUpMs = (retries: number, rtoMaxMs: number, rtoMinMs = 200): number =>
  modelTimeoutMs(retries, rtoMinMs, rtoMaxMs);

// --- The observations and their story ---------------------------------------------------------

export interface DeadPeerObservations {
  retries: number;
  keepalive: typeof KEEPALIVE;
  written: { retransmitting: Written; rebooted: Written };
  timers: { retransmitting: string; keepalive: string };
  endings: Record<'retransmitting' | 'keepalive' | 'rebooted', Ending>;
  idle: IdleState;
  /** How B lost its socket: ss -K, or close() where the kernel lacks SOCK_DESTROY. */
  rebootedBy: string;
  model: { retriesMs: number; defaultMs: number; rtoMaxMs: number };
}

/** ss abbreviates some states; the notes use the kernel's names. */
const stateName = (shown: string) => (shown === 'ESTAB' ? 'ESTABLISHED' : shown);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const endingText = (ending: Ending) => (ending.code ? `${ending.code} at +${seconds(ending.afterMs)}` : 'no error');
const writeText = (written: Written) => (written.accepted ? "accepted by A's kernel (the callback fired)" : 'failed');

export function renderDeadPeer(seen: DeadPeerObservations): Line[] {
  const { endings, model, keepalive } = seen;
  return [
    [
      'A',
      `tcp_retries2 ${seen.retries}; keepalive after ${keepalive.time} s idle, ${keepalive.probes} probes ` +
        `${keepalive.intvl} s apart (this namespace's sysctls)`,
    ],
    ['B', 'dies for connections 1-3: nft drops everything on their port, both ways; nothing tells A'],
    [
      'B',
      `reboots for connection 4: its socket destroyed (${seen.rebootedBy}, the reset swallowed), then its ` +
        'link works',
    ],
    ['A', `1 write(): ${writeText(seen.written.retransmitting)}; no ACK comes back`],
    [
      'ss',
      `1 ${seen.timers.retransmitting}: the retransmission timer (time to its next expiry, ` +
        'retransmissions so far): each wait doubles',
    ],
    [
      'A',
      `1 ${endingText(endings.retransmitting)}: tcp_retries2 = ${seen.retries} allows ` +
        `${seconds(model.retriesMs)} after the first retransmission by the kernel's model, checked each time the ` +
        'timer fires, so the error comes at the first expiry past it',
    ],
    [
      'A',
      `  the default tcp_retries2 = 15 allows ${seconds(model.defaultMs)} (about ` +
        `${Math.round(model.defaultMs / 60_000)} minutes) before a dead peer is noticed this way`,
    ],
    ['ss', `2 ${seen.timers.keepalive}: idle, so the keepalive timer probes, ${keepalive.intvl} s apart`],
    [
      'A',
      `2 ${endingText(endings.keepalive)}: ${keepalive.time} s idle + ${keepalive.probes} unanswered probes ` +
        `${keepalive.intvl} s apart`,
    ],
    [
      'A',
      `3 idle, no keepalive: ${seen.idle.error ? 'an error' : 'no error'}, still ` +
        `${stateName(seen.idle.state)}: nothing is sent, so nothing can fail`,
    ],
    ['A', `4 write(): ${writeText(seen.written.rebooted)}; B's kernel has no socket for it and answers with a reset`],
    ['A', `4 ${endingText(endings.rebooted)}`],
  ];
}

/** The four connections' endings in this run, as a Mermaid sequence diagram (`--mermaid`). */
export function mermaidDeadPeer(seen: DeadPeerObservations): string[] {
  const { endings, keepalive } = seen;
  const ending = (found: Ending) => found.code ?? 'no error';
  return [
    'sequenceDiagram',
    '    participant A as host A',
    '    participant B as host B',
    '    Note over B: vanishes for connections 1-3 (all packets dropped)',
    `    A->>B: 1: write() ${seen.written.retransmitting.accepted ? 'accepted' : 'failed'}; data, no ACK`,
    `    Note over A: 1: retransmitted, waits doubling (${seen.timers.retransmitting})`,
    `    Note over A: 1: ${ending(endings.retransmitting)} (tcp_retries2 ${seen.retries})`,
    `    A->>B: 2: keepalive probes after ${keepalive.time} s idle, ${keepalive.intvl} s apart`,
    `    Note over A: 2: ${ending(endings.keepalive)} after ${keepalive.probes} unanswered probes`,
    `    Note over A: 3: idle, no keepalive: ${seen.idle.error ? 'an error' : 'no error'}, never told`,
    '    Note over B: reboots for connection 4: its socket gone, its link back',
    '    A->>B: 4: data',
    `    B->>A: RST: ${ending(endings.rebooted)}`,
  ];
}

/** Predict, then run: `npm run exercise -- 16`. */
export const EXERCISE = defineExercise({
  knobs: KNOBS,
  observe: ({ RETRIES }) => observeDeadPeer(RETRIES),
  questions: [
    {
      id: 'write-after-death',
      kind: 'choice',
      ask: {
        en: () =>
          'B has vanished; nothing A sends reaches it. A calls write() on the connection: what does write() do?',
        ko: () =>
          'B가 사라져서 A가 보내는 것은 아무것도 닿지 않는다. A가 그 연결에 write()를 호출하면 write()는 어떻게 ' +
          '되나?',
      },
      options: [
        ['accepted', { en: 'it succeeds: the kernel takes the bytes', ko: '성공한다: 커널이 바이트를 받아 간다' }],
        ['EPIPE', { en: 'it fails with EPIPE', ko: 'EPIPE로 실패한다' }],
        ['ETIMEDOUT', { en: 'it fails with ETIMEDOUT', ko: 'ETIMEDOUT으로 실패한다' }],
      ],
      measure: ({ written }) => (written.retransmitting.accepted ? 'accepted' : 'failed'),
      why: {
        en: () => 'write() only hands the bytes to the local kernel; whether they arrive is learnt later, or never',
        ko: () => 'write()는 바이트를 로컬 커널에 넘길 뿐이다. 도착했는지는 나중에 알게 되거나, 끝내 모른다',
      },
    },
    {
      id: 'idle-notices',
      kind: 'choice',
      ask: {
        en: () => 'An idle connection to the vanished B, without keepalive: what happens to it while the others end?',
        ko: () =>
          '사라진 B와의 한가한 연결이 킵얼라이브(keepalive) 없이 있다. 다른 연결들이 끝나는 동안 이 연결은 ' +
          '어떻게 되나?',
      },
      options: [
        [
          'nothing',
          { en: 'nothing: it stays ESTABLISHED with no error', ko: '아무 일도 없다: 오류 없이 ESTABLISHED로 남는다' },
        ],
        ['ETIMEDOUT', { en: 'it fails with ETIMEDOUT', ko: 'ETIMEDOUT으로 실패한다' }],
        ['ECONNRESET', { en: 'it fails with ECONNRESET', ko: 'ECONNRESET으로 실패한다' }],
      ],
      measure: ({ idle }) => (idle.error ? 'an error' : 'nothing'),
      why: {
        en: () => 'TCP sends nothing on an idle connection, so there is nothing to go unanswered',
        ko: () => 'TCP는 한가한 연결에 아무것도 보내지 않으므로, 답을 못 받을 것도 없다',
      },
    },
    {
      id: 'after-reboot',
      kind: 'choice',
      ask: {
        en: () => 'B reboots: its socket is gone, its address back. A writes on the old connection:',
        ko: () => 'B가 재부팅했다. 소켓은 사라졌고 주소는 돌아왔다. A가 옛 연결에 write하면:',
      },
      options: [
        ['ECONNRESET', same('ECONNRESET')],
        ['ETIMEDOUT', { en: 'ETIMEDOUT, after the retransmissions', ko: '재전송을 거친 뒤 ETIMEDOUT' }],
        ['none', { en: 'nothing: the connection carries on', ko: '아무 일도 없다: 연결이 계속된다' }],
      ],
      measure: ({ endings }) => endings.rebooted.code ?? 'none',
      why: {
        en: () => 'a segment for a connection the receiver has no socket for is answered with a reset',
        ko: () => '받는 쪽에 소켓이 없는 연결로 온 세그먼트에는 리셋(RST)으로 답한다',
      },
    },
  ],
});

/** The command line, exported so tests can run it in-process. */
export const cli = defineScript({
  usage: `
Usage: npx tsx scripts/16-dead-peer.ts [--retries N] [--json | --mermaid]

Makes two hosts (as 14), opens four connections from A to B, then makes B vanish for three of
them (nft drops everything) and reboot for the fourth (its socket destroyed, its link back).
Shows that write() still succeeds, the retransmission timer, ETIMEDOUT after tcp_retries2, an
idle connection that notices nothing, keepalive turning silence into ETIMEDOUT, and ECONNRESET
from the rebooted peer. Linux, as root, with nft; about 4 s with the default.

--retries N   net.ipv4.tcp_retries2 in host A, 1 to 4 (default ${DEFAULT_RETRIES})`,
  flags: { retries: { type: 'string', default: String(DEFAULT_RETRIES) } },
  demo: (values: FlagValues) => observeDeadPeer(integerFlag(values, 'retries', 1, 4)),
  render: renderDeadPeer,
  mermaid: mermaidDeadPeer,
});

/** The lesson calls this when it runs as a program in the project: the lab, or one host's part. */
export const run = () => runLabOrRole(cli, main, []);

if (isMain(import.meta.url)) await run();
