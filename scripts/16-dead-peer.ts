/**
 * @title A dead peer: what a connection notices, and when
 * @concept When the peer vanishes, write() still succeeds and the kernel retransmits until tcp_retries2 gives up with
 *   ETIMEDOUT; an idle connection notices nothing until keepalive probes go unanswered; a peer that rebooted answers
 *   with a reset, ECONNRESET.
 * @notes #53-a-dead-peer-what-a-connection-notices-and-when-16-dead-peer
 * @run npx tsx scripts/16-dead-peer.ts
 * @resource https://docs.kernel.org/networking/ip-sysctl.html
 * @resource https://man7.org/linux/man-pages/man7/tcp.7.html
 * @resource https://nodejs.org/api/net.html#socketsetkeepaliveenable-initialdelay
 * @knobs RETRIES (net.ipv4.tcp_retries2 in host A; default 3, 1 to 4)
 *
 * Two hosts as in 14. A opens four connections to B. Then B "dies" for three of them: nftables
 * rules in B drop everything on that port both ways, as if B had lost power. For the fourth, B
 * "reboots": its socket is destroyed while nothing can leave (ss -K, the reset swallowed), then
 * its link works again. A's namespace gets short timers (tcp_retries2 = RETRIES, keepalive after
 * 1 s idle, 2 probes 1 s apart), and the three endings run side by side. Linux, as root, with nft.
 */
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { sysctlNumber } from './lib/proc-net.ts';
import { defineKnobs, defineScript, integerFlag, isMain, runScript, type FlagValues, type Line } from './lib/cli.ts';
import { type Host, nftDelete, nftRule, nftTable, startTwoHosts } from './lib/hosts.ts';
import { defineExercise } from './lib/questions.ts';
import { findTool, runTool } from './lib/tools.ts';
import { onceWithin, untilTrue, within } from './lib/wait.ts';

export const DEFAULT_RETRIES = 3;
export const KNOBS = defineKnobs({ RETRIES: { fallback: DEFAULT_RETRIES, min: 1, max: 4 } });
/** A's keepalive settings: probes after 1 s of silence, 2 of them, 1 s apart. */
const KEEPALIVE = { time: 1, intvl: 1, probes: 2 };
const STEP_MS = 2000;
/** B's own nftables table, with the rules that make it vanish. */
const TABLE = 'dead';
/** How often to ask ss again: its timers count in hundreds of milliseconds, and each look starts a process. */
const TOOL_POLL_MS = 50;
/** Long enough for RETRIES = 4: 6.2 s by the kernel's model, and up to one more backed-off timeout. */
const ENDING_MS = 30_000;
const SELF = new URL(import.meta.url);
const CONNECTIONS = ['retransmitting', 'keepalive', 'idle', 'rebooted'] as const;
type Connection = (typeof CONNECTIONS)[number];

// --- The lesson: four connections, a peer that vanishes, three endings ---------------------------

export async function observeDeadPeer(retries = DEFAULT_RETRIES): Promise<DeadPeerObservations> {
  const { a, b, stop } = await startTwoHosts();
  try {
    await a.call(SELF, 'setSysctls', {
      tcp_retries2: retries,
      tcp_keepalive_time: KEEPALIVE.time,
      tcp_keepalive_intvl: KEEPALIVE.intvl,
      tcp_keepalive_probes: KEEPALIVE.probes,
    });
    const ports = { dead: await b.call<number>(SELF, 'listenAndHold', b.ipv4), rebooted: 0 };
    ports.rebooted = await b.call<number>(SELF, 'listenAndHold', b.ipv4);
    // socket() + connect() four times; keepalive on one of them only (setKeepAlive(true, 0): the namespace's timers).
    const clientPorts = await a.call<Record<Connection, number>>(SELF, 'openConnections', b.ipv4, ports);

    // B dies for the first three: nothing in, nothing out on that port. For the fourth it reboots.
    await nftTable(b, TABLE, ['input', 'output']);
    await nftRule(b, TABLE, 'input', ['tcp', 'dport', String(ports.dead), 'drop']);
    await nftRule(b, TABLE, 'output', ['tcp', 'sport', String(ports.dead), 'drop']);
    const swallow = await nftRule(b, TABLE, 'output', ['tcp', 'sport', String(ports.rebooted), 'drop']);
    const rebootedBy = await reboot(b, clientPorts.rebooted, swallow);
    await a.call(SELF, 'markStart');

    // write() on the first and on the rebooted one; the other two stay idle. Then the endings, side by side.
    const [retransmitting, rebooted] = await Promise.all([
      a.call<Written>(SELF, 'writeOn', 'retransmitting'),
      a.call<Written>(SELF, 'writeOn', 'rebooted'),
    ]);
    const [retransTimer, keepaliveTimer] = await Promise.all([
      a.call<string>(SELF, 'timerWhen', clientPorts.retransmitting, 'on', 1),
      a.call<string>(SELF, 'timerWhen', clientPorts.keepalive, 'keepalive', 1),
    ]);
    const endings = await Promise.all(
      (['retransmitting', 'keepalive', 'rebooted'] as const).map((name) => a.call<Ending>(SELF, 'endingOf', name)),
    );
    const idle = await a.call<IdleState>(SELF, 'idleState', clientPorts.idle);
    const rtoMaxMs = await a.call<number>(SELF, 'rtoMaxMs');
    return {
      retries,
      keepalive: KEEPALIVE,
      written: { retransmitting, rebooted },
      timers: { retransmitting: retransTimer, keepalive: keepaliveTimer },
      endings: { retransmitting: endings[0], keepalive: endings[1], rebooted: endings[2] },
      idle,
      rebootedBy,
      model: { retriesMs: giveUpMs(retries, rtoMaxMs), defaultMs: giveUpMs(15, rtoMaxMs), rtoMaxMs },
    };
  } finally {
    await stop();
  }
}

/** B loses its socket for the connection from `clientPort` without a word, then its link works again. */
async function reboot(b: Host, clientPort: number, swallowRule: number): Promise<string> {
  // ss -K destroys the socket (SOCK_DESTROY); the reset it sends is dropped by the rule.
  const killed = await b.tool('ss', ['-K', '-tn', 'dport', '=', `:${clientPort}`]);
  const how = killed.code === 0 && killed.stdout.includes(String(clientPort)) ? 'ss -K' : 'close()';
  if (how === 'close()') await b.call(SELF, 'forget', clientPort);
  await nftDelete(b, TABLE, 'output', swallowRule);
  return how;
}

// --- What each host runs ----------------------------------------------------------------------

const held = new Map<number, Socket>();
const servers: Server[] = [];

/** B: a server that keeps every connection open and reads what comes; returns its port. */
export async function listenAndHold(address: string): Promise<number> {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    held.set(socket.remotePort!, socket);
    socket.on('error', () => {});
    socket.resume();
  });
  servers.push(server);
  server.listen(0, address);
  await onceWithin(server, 'listening', STEP_MS, 'the server on B');
  return (server.address() as AddressInfo).port;
}

/** B, where ss -K cannot destroy a socket: close it instead (its FIN is swallowed all the same). */
export async function forget(clientPort: number): Promise<void> {
  held.get(clientPort)?.destroy();
}

/** A: writes the sysctls of this host's namespace (/proc/sys/net/ipv4 is per namespace). */
export async function setSysctls(values: Record<string, number>): Promise<void> {
  for (const [name, value] of Object.entries(values)) await writeFile(`/proc/sys/net/ipv4/${name}`, String(value));
}

export const rtoMaxMs = () => sysctlNumber('net/ipv4/tcp_rto_max_ms', 120_000);

/** Each connection, the promise of its error, and whether that error has come. */
const clients = new Map<Connection, { socket: Socket; ending: Promise<Ending>; ended: boolean }>();
let startedAt = 0;

export interface Ending {
  code: string | null;
  /** Milliseconds from the moment B died. */
  afterMs: number;
}

/** A: four connections, to B's dead port and to the one that will reboot; returns their local ports. */
export async function openConnections(address: string, ports: { dead: number; rebooted: number }) {
  const localPorts: Partial<Record<Connection, number>> = {};
  for (const name of CONNECTIONS) {
    const socket = createConnection({ host: address, port: name === 'rebooted' ? ports.rebooted : ports.dead });
    await onceWithin(socket, 'connect', STEP_MS, `connection ${name}`);
    // Without a delay, Node sets SO_KEEPALIVE only, so the namespace's keepalive sysctls decide.
    if (name === 'keepalive') socket.setKeepAlive(true, 0);
    const entry = { socket, ending: Promise.resolve<Ending>({ code: null, afterMs: 0 }), ended: false };
    entry.ending = new Promise<Ending>((resolve) =>
      socket.once('error', (error: NodeJS.ErrnoException) => {
        entry.ended = true;
        resolve({ code: error.code ?? error.message, afterMs: performance.now() - startedAt });
      }),
    );
    clients.set(name, entry);
    localPorts[name] = socket.localPort!;
  }
  return localPorts as Record<Connection, number>;
}

export async function markStart(): Promise<void> {
  startedAt = performance.now();
}

export interface Written {
  /** The write callback fired without an error: A's kernel took the bytes. */
  accepted: boolean;
  afterMs: number;
}

export async function writeOn(name: Connection): Promise<Written> {
  const { socket } = clients.get(name)!;
  return new Promise((resolve) =>
    socket.write('hello', (error) => resolve({ accepted: !error, afterMs: performance.now() - startedAt })),
  );
}

/** The connection's error, waited for (bounded); null code if none came. */
export async function endingOf(name: Connection): Promise<Ending> {
  const { ending } = clients.get(name)!;
  return within(ending, ENDING_MS, `connection ${name} to end`).catch(() => ({
    code: null,
    afterMs: performance.now() - startedAt,
  }));
}

/**
 * ss -to's timer for the connection from `localPort`, read once it shows `kind` with `count`
 * expirations and once with `count + 1`: two readings, so the growing wait shows. A connection
 * that ends before the second reading leaves the first alone.
 */
export async function timerWhen(localPort: number, kind: string, count: number): Promise<string> {
  const ss = await findTool('ss');
  if (!ss) return 'ss is not installed';
  const readings: string[] = [];
  for (const wanted of [count, count + 1]) {
    let timer = '';
    let gone = false;
    await untilTrue(
      async () => {
        const { stdout } = await runTool(ss, ['-tnoH', `sport = :${localPort}`]);
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

/** The idle connection without keepalive: any error, and its state in ss. */
export async function idleState(localPort: number): Promise<IdleState> {
  const ss = await findTool('ss');
  const { stdout } = ss ? await runTool(ss, ['-tnH', 'state', 'all', `sport = :${localPort}`]) : { stdout: '' };
  const { ended } = clients.get('idle')!;
  for (const { socket } of clients.values()) socket.destroy();
  return { error: ended, state: stdout.trim().split(/\s+/)[0] ?? 'unknown' };
}

// --- Instrumentation ----------------------------------------------------------------------------

/**
 * How long the kernel keeps retransmitting before ETIMEDOUT, as ip-sysctl.rst and tcp_timer.c
 * (tcp_model_timeout) work it out: timeouts doubling from 200 ms up to the maximum RTO, then
 * flat. tcp_retries2 = 15 gives 924.6 s.
 */
export function giveUpMs(retries: number, rtoMaxMs: number, rtoMinMs = 200): number {
  const doublingsToMax = Math.floor(Math.log2(rtoMaxMs / rtoMinMs));
  if (retries <= doublingsToMax) return (2 ** (retries + 1) - 1) * rtoMinMs;
  return (2 ** (doublingsToMax + 1) - 1) * rtoMinMs + (retries - doublingsToMax) * rtoMaxMs;
}

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
      ask: () => 'B has vanished; nothing A sends reaches it. A calls write() on the connection: what does write() do?',
      options: [
        ['accepted', 'it succeeds: the kernel takes the bytes'],
        ['EPIPE', 'it fails with EPIPE'],
        ['ETIMEDOUT', 'it fails with ETIMEDOUT'],
      ],
      measure: ({ written }) => (written.retransmitting.accepted ? 'accepted' : 'failed'),
      why: () => 'write() only hands the bytes to the local kernel; whether they arrive is learnt later, or never',
    },
    {
      id: 'idle-notices',
      kind: 'choice',
      ask: () => 'An idle connection to the vanished B, without keepalive: what happens to it while the others end?',
      options: [
        ['nothing', 'nothing: it stays ESTABLISHED with no error'],
        ['ETIMEDOUT', 'it fails with ETIMEDOUT'],
        ['ECONNRESET', 'it fails with ECONNRESET'],
      ],
      measure: ({ idle }) => (idle.error ? 'an error' : 'nothing'),
      why: () => 'TCP sends nothing on an idle connection, so there is nothing to go unanswered',
    },
    {
      id: 'after-reboot',
      kind: 'choice',
      ask: () => 'B reboots: its socket is gone, its address back. A writes on the old connection:',
      options: [
        ['ECONNRESET', 'ECONNRESET'],
        ['ETIMEDOUT', 'ETIMEDOUT, after the retransmissions'],
        ['none', 'nothing: the connection carries on'],
      ],
      measure: ({ endings }) => endings.rebooted.code ?? 'none',
      why: () => 'a segment for a connection the receiver has no socket for is answered with a reset',
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

if (isMain(import.meta.url)) await runScript(cli);
