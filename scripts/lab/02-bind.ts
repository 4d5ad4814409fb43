/**
 * The lab of 02-bind: runs the lesson (scripts/02-bind.ts) and shows what the kernel made of each
 * bind it asked for: port 0's answer against net.ipv4.ip_local_port_range, the kernel's rows, each
 * refusal, and who could connect to which listener. Around the lesson it adds what the lesson
 * leaves out: UDP's own ports (dgram's bind(), which is bind() alone), the sysctls, a child that
 * becomes nobody when run as root, and IPv6 listeners (::1, ::, :: IPv6 only). Also --json,
 * --serve and the questions of `npm run exercise -- 02`.
 */
import { readFileSync } from 'node:fs';
import { createSocket, type Socket as UdpSocket, type SocketType } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import {
  createConnection,
  createServer,
  type AddressInfo,
  type ListenOptions,
  type Server,
  type Socket,
} from 'node:net';
import { networkInterfaces } from 'node:os';
import { main } from '../02-bind.ts';
import {
  defineScript,
  isMain,
  portFlag,
  runScript,
  type FlagValues,
  type Line,
  defineKnobs,
  formatEndpoint,
  hostFlag,
  listeningLine,
} from '../lib/cli.ts';
import { untilSignal } from '../lib/serve-lifetime.ts';
import { startNodeChild } from '../lib/child.ts';
import { watchLesson } from '../lib/lab.ts';
import { hasProcNet, readSysctl, readTableNow, type Table } from '../lib/proc-net.ts';
import { defineExercise, same } from '../lib/questions.ts';
import { stretchedByLoad, until, within } from '../lib/wait.ts';

const HOST = '127.0.0.1';
/** A bound on each step's event, longer on a loaded machine (taken when the lab loads). */
const STEP_TIMEOUT_MS = stretchedByLoad(2000);
/** The lesson ends in well under a second on loopback; the bound only keeps a broken one from hanging. */
const LESSON_TIMEOUT_MS = 30_000;
/**
 * The nobody child's start, to its first message: about 0.1 s on an idle machine, seconds on a
 * loaded one (2 s ran out once here, with four test files at once on a busy two-core machine).
 * The bound only catches a child that never reports.
 */
const CHILD_START_MS = 30_000;
/** How many runs (or ports) to try before giving up when another program holds what a step needs free. */
const FREE_PORT_TRIES = 20;
/** The conventional uid of "nobody", the unprivileged user a root process can become. */
const UNPRIVILEGED_UID = 65534;
/** Bit 10 of the capability sets: CAP_NET_BIND_SERVICE (include/uapi/linux/capability.h). */
const CAP_NET_BIND_SERVICE = 10n;
/** Loopback addresses only: every address we dial lives on this machine. */
const DIAL_TARGETS_V4 = ['127.0.0.1', '127.0.0.2'];

/** Ports below net.ipv4.ip_unprivileged_port_start need CAP_NET_BIND_SERVICE (1024 where /proc/sys is not there). */
function unprivilegedPortStartNow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
  } catch {
    return 1024;
  }
}

/** The exercise's knob: the port the tests' uid-0 process without CAP_NET_BIND_SERVICE tries to bind. */
export const KNOBS = defineKnobs({
  LOW_PORT: { fallback: Math.max(1, unprivilegedPortStartNow() - 1), min: 1, max: 65535 },
});

// --- Watching the lesson run ---------------------------------------------------------------

/** Runs the lesson and records the kernel's answer to each bind, with what the lab adds around it. */
export async function observeBind(): Promise<BindObservations> {
  /* c8 ignore next -- the Linux-only refusal; CI runs on Linux */
  if (!hasProcNet) throw new Error('this lesson reads /proc/sys and /proc/net, which only Linux has');
  const ipv6 = assignedAddresses().has('::1');
  const targets = ipv6 ? [...DIAL_TARGETS_V4, '::1'] : DIAL_TARGETS_V4;
  const run = await runLessonWhereNoOneInterferes(targets);
  return {
    ephemeral: await ephemeralFrom(run),
    conflicts: conflictsFrom(run),
    absentAddress: await absentAddressFrom(run),
    privileged: await privilegedFrom(run),
    reach: await reachFrom(run, ipv6, targets),
  };
}

/**
 * EACCES: the lesson's bind below ip_unprivileged_port_start, for this process (the uid that
 * counts is the effective one, with its capabilities), and as root also for a child that became
 * nobody.
 */
export async function observePrivileged(): Promise<PrivilegedObservations> {
  return privilegedFrom(await runLesson(DIAL_TARGETS_V4));
}

/** One listen() the lesson made: the address and port asked for (as bound), and bind()'s answer. */
interface ListenAttempt {
  host: string;
  port: number;
  result: BindResult;
  /** A listener the lesson dials: it answers the connections it accepts. */
  answers: boolean;
}

/** A connect() the lesson made, and how it ended. */
interface LessonDial {
  target?: string;
  port?: number;
  /** The client's own port, once connected: the accepted socket names it as its peer. */
  localPort?: number;
  code?: string;
}

/** What one run of the lesson did, with what the lab measured at its steps. */
interface LessonRun {
  /** The lesson's listen() calls, in the order they were answered. */
  attempts: ListenAttempt[];
  /** The first listener's row in /proc/net/tcp, read as it began to listen. */
  tcpRows: EphemeralObservations['rows'];
  /** UDP binds on the first listener's port, made while it listened. */
  udp: Pick<ConflictObservations, 'udpSamePort' | 'udpSamePortAgain'>;
  dials: LessonDial[];
  /** The client port of each connection a lesson listener accepted -> the address it arrived at. */
  arrivedAt: Map<number, string>;
}

/**
 * Runs the lesson again (on new ports) while another program spoils a step: holds 127.0.0.2 or
 * the UDP port on the lesson's port, or answers one of its dials.
 */
async function runLessonWhereNoOneInterferes(targets: readonly string[]): Promise<LessonRun> {
  for (let round = 1; ; round++) {
    const run = await runLesson(targets);
    const { tcpOtherAddress, udpSamePort } = conflictsFrom(run);
    const answeredByOthers = lessonListeners(run).some(({ dials }) => dials.some((d) => d.outcome === 'other'));
    if ((tcpOtherAddress.ok && udpSamePort.ok && !answeredByOthers) || round >= FREE_PORT_TRIES) return run;
  }
}

/** One run of the lesson, watched: each listen()'s answer, the kernel's rows, and each dial's end. */
async function runLesson(targets: readonly string[]): Promise<LessonRun> {
  const attempts: ListenAttempt[] = [];
  let tcpRows: LessonRun['tcpRows'] = [];
  let udp: Promise<LessonRun['udp']> | undefined;
  const holders: Array<Promise<Socket | null>> = [];
  const dials: LessonDial[] = [];
  const arrivedAt = new Map<number, string>();
  let holding = false;
  try {
    await within(
      watchLesson(main, {
        listening(server) {
          const { address, port } = server.address() as AddressInfo;
          const answers = server.listenerCount('connection') > 0;
          attempts.push({ host: address, port, result: { ok: true, address, port }, answers });
          if (attempts.length === 1) {
            // Port 0's answer, and the listener the next steps collide with: read its row now, and
            // bind UDP on its port while it listens.
            tcpRows = rowsOf('tcp', { address, port });
            udp = udpBindsBeside(server, port);
            udp.catch(() => {}); // awaited after the lesson; until then, not an unhandled rejection
          }
          if (answers) {
            // Hold the pairs this listener leaves open before the lesson dials them (holdPair). The
            // holders bind on the next tick, ahead of the lesson's first connect(); they are the
            // lab's sockets, not the lesson's dials.
            holding = true;
            for (const target of targets) {
              const held = holdPair(target, port);
              held.catch(() => {}); // awaited after the lesson, as below
              holders.push(held);
            }
            holding = false;
          }
        },
        refused(error) {
          const { address = '', port = 0, code = '', syscall = '' } = error;
          attempts.push({ host: address, port, result: { ok: false, code, syscall }, answers: false });
        },
        connecting(socket) {
          if (holding) return;
          const dial: LessonDial = {};
          dials.push(dial);
          socket.once('connect', () =>
            Object.assign(dial, { target: socket.remoteAddress, port: socket.remotePort, localPort: socket.localPort }),
          );
          socket.once('error', ({ address, port, code }: NodeJS.ErrnoException & Partial<Endpoint>) =>
            Object.assign(dial, { target: address, port, code }),
          );
        },
        accepted(socket) {
          arrivedAt.set(socket.remotePort!, socket.localAddress!);
        },
      }),
      LESSON_TIMEOUT_MS,
      'the lesson to make its binds, dial its listeners and close everything',
    );
    if (!udp) throw new Error('the lesson never listened');
    await Promise.all(holders); // a pair the lab failed to hold (not one already taken) fails the run
    return { attempts, tcpRows, udp: await udp, dials, arrivedAt };
  } finally {
    for (const held of await Promise.allSettled(holders)) if (held.status === 'fulfilled') held.value?.destroy();
  }
}

/** The rows of `table` whose local end is `local`, read now. */
function rowsOf(table: Table, local: Endpoint): EphemeralObservations['rows'] {
  return readTableNow(table, [local.port])
    .filter((row) => row.localAddress === local.address && row.localPort === local.port)
    .map((row) => ({
      table: row.table,
      local: { address: row.localAddress, port: row.localPort },
      remote: { address: row.remoteAddress, port: row.remotePort },
      state: row.state,
    }));
}

/**
 * UDP on the port a lesson's TCP listener holds: a bind that succeeds (UDP ports are not TCP
 * ports), then the same bind again (now a UDP socket holds the pair). dgram binds an IP address on
 * the next tick, with no I/O in between, so both are made long before the lesson closes that
 * listener; checked rather than trusted.
 */
async function udpBindsBeside(listener: Server, port: number): Promise<LessonRun['udp']> {
  const open: Closer[] = [];
  try {
    const udpSamePort = await attempt(open, () => bindUdp('udp4', port, HOST));
    const udpSamePortAgain = await attempt(open, () => bindUdp('udp4', port, HOST));
    if (!listener.listening) throw new Error(`the lesson stopped listening on port ${port} before the UDP binds`);
    return { udpSamePort, udpSamePortAgain };
  } finally {
    await closeAll(open);
  }
}

/** The lesson's listen() on `host`:`port`, which the lesson must have made. */
function attemptOn(run: LessonRun, host: string, port: number, skip = 0): ListenAttempt {
  const found = run.attempts.filter((tried) => tried.host === host && tried.port === port)[skip];
  if (!found) throw new Error(`the lesson made no listen() on ${formatEndpoint({ address: host, port })}`);
  return found;
}

/** Port 0: the lesson's listener and the kernel's range, and a UDP bind to port 0 beside it. */
async function ephemeralFrom(run: LessonRun): Promise<EphemeralObservations> {
  const [low, high] = (await readSysctl('net/ipv4/ip_local_port_range')).split(/\s+/).map(Number);
  const open: Closer[] = [];
  try {
    const udp = await attempt(open, () => bindUdp('udp4', 0, HOST));
    const udpRows = udp.ok ? rowsOf('udp', udp) : [];
    return { range: [low, high], tcp: run.attempts[0].result, udp, rows: [...run.tcpRows, ...udpRows] };
  } finally {
    await closeAll(open);
  }
}

/** EADDRINUSE: the lesson's binds on its first listener's port, and the lab's UDP binds beside them. */
function conflictsFrom(run: LessonRun): ConflictObservations {
  const { port } = run.attempts[0];
  return {
    port,
    // The first listen() on HOST:port is the holder itself; the second is the lesson's collision.
    tcpSameAddress: attemptOn(run, HOST, port, 1).result,
    tcpWildcard: attemptOn(run, '0.0.0.0', port).result,
    tcpOtherAddress: attemptOn(run, '127.0.0.2', port).result,
    ...run.udp,
  };
}

/** EADDRNOTAVAIL: the lesson's listen() on an address outside loopback, and a UDP bind there. */
async function absentAddressFrom(run: LessonRun): Promise<AbsentAddressObservations> {
  const tried = run.attempts.find(({ host }) => !host.startsWith('127.') && host !== '0.0.0.0');
  if (!tried) throw new Error('the lesson made no listen() on an address outside loopback');
  // The output says no interface has it, and the kernel's answer depends on that: make sure.
  if (assignedAddresses().has(tried.host)) throw new Error(`${tried.host} is one of this machine's addresses`);
  const open: Closer[] = [];
  try {
    return {
      address: tried.host,
      nonlocalBind: (await readSysctl('net/ipv4/ip_nonlocal_bind')) === '1',
      tcp: tried.result,
      udp: await attempt(open, () => bindUdp('udp4', 0, tried.host)),
    };
  } finally {
    await closeAll(open);
  }
}

/** EACCES: the lesson's low-port bind as this process; as root, a child that became nobody tries it too. */
async function privilegedFrom(run: LessonRun): Promise<PrivilegedObservations> {
  const unprivilegedPortStart = unprivilegedPortStartNow();
  if (unprivilegedPortStart <= 1) return { unprivilegedPortStart, self: null, unprivileged: null };
  const tried = run.attempts.find(({ port }) => port > 0 && port < unprivilegedPortStart);
  if (!tried) throw new Error(`the lesson made no listen() below port ${unprivilegedPortStart}`);
  const uid = process.geteuid!();
  const holdsNetBindService = hasNetBindService(await readFile('/proc/self/status', 'utf8'));
  const self = { uid, holdsNetBindService, port: tried.port, result: tried.result };
  if (uid !== 0) return { unprivilegedPortStart, self, unprivileged: null };

  const child = await startNodeChild({ module: UNPRIVILEGED_BIND, args: [String(UNPRIVILEGED_UID)] });
  try {
    await child.next(CHILD_START_MS, 'the child to become nobody');
    child.send({ port: self.port, host: HOST });
    const answer = await child.next<{ uid: number; status: string; result: BindResult }>(
      STEP_TIMEOUT_MS,
      "the unprivileged child's bind",
    );
    return {
      unprivilegedPortStart,
      self,
      unprivileged: { uid: answer.uid, holdsNetBindService: hasNetBindService(answer.status), result: answer.result },
    };
  } finally {
    await child.stop();
  }
}

/** The lesson's listeners (127.0.0.1 and 0.0.0.0) with what each of its dials met. */
function lessonListeners(run: LessonRun): ReachObservations['listeners'] {
  return run.attempts
    .filter(({ answers }) => answers)
    .map(({ host, port }) => ({
      host,
      ipv6Only: false,
      port,
      dials: run.dials
        .filter((dial) => dial.port === port)
        .map(({ target = '', localPort, code }): DialOutcome => {
          if (code) return { target, outcome: 'refused', code };
          const arrivedAt = run.arrivedAt.get(localPort!);
          return arrivedAt ? { target, outcome: 'accepted', arrivedAt } : { target, outcome: 'other' };
        }),
    }));
}

/** Who can connect: the lesson's IPv4 listeners, then (where ::1 exists) IPv6 ones of the lab's own. */
async function reachFrom(run: LessonRun, ipv6: boolean, targets: readonly string[]): Promise<ReachObservations> {
  const listeners = lessonListeners(run).map((listener) => ({
    ...listener,
    dials: listener.dials.filter(({ target }) => targets.includes(target)),
  }));
  if (ipv6) {
    const binds = [
      { host: '::1', ipv6Only: false },
      { host: '::', ipv6Only: false },
      { host: '::', ipv6Only: true },
    ];
    for (const { host, ipv6Only } of binds) {
      // A program that held a pair before we could (the rare case): try another port.
      let listener = await dialListener(host, ipv6Only, targets);
      for (
        let tries = 1;
        tries < FREE_PORT_TRIES && listener.dials.some((dialled) => dialled.outcome === 'other');
        tries++
      ) {
        listener = await dialListener(host, ipv6Only, targets);
      }
      listeners.push(listener);
    }
  }
  return { ipv6, listeners };
}

// --- Below: what each step observes, the binding and dialling plumbing, output, --serve -------

export interface Endpoint {
  address: string;
  port: number;
}

/** What bind() answered: the address the socket now has, or the error code (EADDRINUSE, EACCES, ...). */
export type BindResult = ({ ok: true } & Endpoint) | { ok: false; code: string; syscall: string };

type Closer = () => Promise<void>;

/** TCP: listen() binds and listens; resolves with the listening server or rejects with the kernel's error. */
function listenOn(options: ListenOptions, server: Server = createServer()): Promise<Server> {
  const listening = new Promise<Server>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
  return within(listening, STEP_TIMEOUT_MS, `listen on ${options.host} port ${options.port}`);
}

/** UDP: bind() only; resolves with the bound socket or rejects with the kernel's error (the socket closed). */
function bindUdp(type: SocketType, port: number, address: string): Promise<UdpSocket> {
  const socket = createSocket(type);
  const bound = new Promise<UdpSocket>((resolve, reject) => {
    socket.once('error', (error) => socket.close(() => reject(error)));
    socket.bind(port, address, () => resolve(socket));
  });
  return within(bound, STEP_TIMEOUT_MS, `bind on ${address} port ${port}`);
}

const closeServer =
  (server: Server): Closer =>
  () =>
    new Promise((resolve) => server.close(() => resolve()));
const closeUdp =
  (socket: UdpSocket): Closer =>
  () =>
    new Promise((resolve) => socket.close(() => resolve()));

/** Runs one bind; a bound socket stays open (its closer goes on `open`), a refusal becomes data. */
async function attempt(open: Closer[], bind: () => Promise<Server | UdpSocket>): Promise<BindResult> {
  try {
    const socket = await bind();
    open.push('listening' in socket ? closeServer(socket) : closeUdp(socket));
    const { address, port } = socket.address() as AddressInfo;
    return { ok: true, address, port };
  } catch (error) {
    const { code, syscall } = error as NodeJS.ErrnoException;
    if (!code || !syscall) throw error; // not the kernel's answer (a timeout): let it surface
    return { ok: false, code, syscall };
  }
}

async function closeAll(open: Closer[]): Promise<void> {
  await Promise.all(open.splice(0).map((close) => close()));
}

export interface EphemeralObservations {
  /** net.ipv4.ip_local_port_range: the ports the kernel hands out for port 0. */
  range: [low: number, high: number];
  tcp: BindResult;
  udp: BindResult;
  /** The kernel's rows for both sockets: the TCP one LISTENs, the UDP one is only bound. */
  rows: Array<{ table: Table; local: Endpoint; remote: Endpoint; state: string }>;
}

export interface ConflictObservations {
  /** The port a live TCP listener (the blocker) holds on 127.0.0.1 throughout. */
  port: number;
  tcpSameAddress: BindResult;
  tcpWildcard: BindResult;
  tcpOtherAddress: BindResult;
  udpSamePort: BindResult;
  udpSamePortAgain: BindResult;
}

export interface AbsentAddressObservations {
  /** A documentation address that no interface of this machine carries. */
  address: string;
  /** net.ipv4.ip_nonlocal_bind: when 1, the kernel lets a socket bind an address it does not have. */
  nonlocalBind: boolean;
  tcp: BindResult;
  udp: BindResult;
}

function assignedAddresses(): Set<string> {
  // Every value is an array; the Dict type of networkInterfaces() merely allows undefined.
  return new Set(Object.values(networkInterfaces()).flatMap((entries) => entries!.map((entry) => entry.address)));
}

export interface PrivilegedObservations {
  /** net.ipv4.ip_unprivileged_port_start: ports below it need CAP_NET_BIND_SERVICE. */
  unprivilegedPortStart: number;
  /** This process: its uid, whether it holds the capability, and what binding a low port gave. */
  self: { uid: number; holdsNetBindService: boolean; port: number; result: BindResult } | null;
  /** A child that gave up root (setuid to nobody) trying the same port; null when we are not root. */
  unprivileged: { uid: number; holdsNetBindService: boolean; result: BindResult } | null;
}

/** True when the effective capability set in a /proc/PID/status text has CAP_NET_BIND_SERVICE. */
export function hasNetBindService(statusText: string): boolean {
  // Every Linux prints the CapEff line (the effective set, in hex) in /proc/PID/status.
  const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(statusText)![1];
  return ((BigInt(`0x${effective}`) >> CAP_NET_BIND_SERVICE) & 1n) === 1n;
}

/** The child's side, a module of its own: see children/02-unprivileged-bind.ts. */
const UNPRIVILEGED_BIND = new URL('../children/02-unprivileged-bind.ts', import.meta.url);

export interface DialOutcome {
  target: string;
  /**
   * accepted: this listener took the connection; refused: the kernel answered with a reset; other: some other socket
   * took it.
   */
  outcome: 'accepted' | 'refused' | 'other';
  /** The address dialled, as the accepted socket names its own end (IPv4 on an IPv6 socket reads ::ffff:a.b.c.d). */
  arrivedAt?: string;
  code?: string;
}

export interface ReachObservations {
  /** False when this machine has no ::1 (IPv6 disabled): then only IPv4 is shown. */
  ipv6: boolean;
  listeners: Array<{ host: string; ipv6Only: boolean; port: number; dials: DialOutcome[] }>;
}

/** Dials `target`:`port` once and says whether our listener (and not some other socket) accepted it. */
async function dial(accepted: Map<number, string>, target: string, port: number): Promise<DialOutcome> {
  const client = createConnection({ host: target, port });
  try {
    try {
      await within(
        new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject)),
        STEP_TIMEOUT_MS,
        `a connection to ${target} port ${port}`,
      );
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (!code) throw error;
      return { target, outcome: 'refused', code };
    }
    try {
      const arrivedAt = await until(
        () => accepted.get(client.localPort!),
        STEP_TIMEOUT_MS,
        `the listener to accept the dial to ${target}`,
      );
      return { target, outcome: 'accepted', arrivedAt };
    } catch {
      return { target, outcome: 'other' }; // connected, yet not to our listener
    }
  } finally {
    client.destroy(); // on every path, a timed-out dial included
  }
}

/**
 * Holds `target`:`port` while we dial it, so that no other program is handed this port on that
 * address meanwhile: the kernel gives 127.0.0.1 and ::1 out separately, so another program's
 * listener on 127.0.0.1 may get the number our ::1 listener has, and answer a dial that should be
 * refused. The holder connects to itself (TCP's simultaneous open): it is bound, yet it never
 * listens, so a SYN from any other socket still meets no listener and gets RST. Resolves with
 * null when the pair cannot be held: our listener covers it already, or someone else holds it.
 */
export async function holdPair(target: string, port: number): Promise<Socket | null> {
  const holder = createConnection({ host: target, port, localAddress: target, localPort: port });
  try {
    await within(
      new Promise<void>((resolve, reject) => holder.once('connect', resolve).once('error', reject)),
      STEP_TIMEOUT_MS,
      `a socket to hold ${target} port ${port}`,
    );
    return holder;
  } catch (error) {
    holder.destroy();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') return null;
    throw error;
  }
}

/**
 * One listener on `host` port 0, dialled on every target. The targets it does not cover are held
 * by us while we dial (holdPair), so a refusal is the kernel's answer about this listener alone.
 */
async function dialListener(
  host: string,
  ipv6Only: boolean,
  targets: readonly string[],
): Promise<ReachObservations['listeners'][number]> {
  // The client's port -> the address the connection arrived at, as this listener's socket names it.
  const accepted = new Map<number, string>();
  const server = createServer((socket) => {
    accepted.set(socket.remotePort!, socket.localAddress!);
    socket.destroy();
  });
  await listenOn({ host, port: 0, ipv6Only }, server);
  const holders: Socket[] = [];
  try {
    const { port } = server.address() as AddressInfo;
    for (const target of targets) {
      const holder = await holdPair(target, port);
      if (holder) holders.push(holder);
    }
    const dials: DialOutcome[] = [];
    for (const target of targets) dials.push(await dial(accepted, target, port));
    return { host, ipv6Only, port, dials };
  } finally {
    for (const holder of holders) holder.destroy();
    await closeServer(server)();
  }
}

export interface BindObservations {
  ephemeral: EphemeralObservations;
  conflicts: ConflictObservations;
  absentAddress: AbsentAddressObservations;
  privileged: PrivilegedObservations;
  reach: ReachObservations;
}

const answer = (result: BindResult) => (result.ok ? `bound ${formatEndpoint(result)}` : result.code);

/**
 * "listen(port 0, 127.0.0.1) -> bound 127.0.0.1:PORT, inside the range": what port 0 gave, against the ephemeral range.
 */
function ephemeralText(call: string, result: BindResult, [low, high]: [number, number]): string {
  const inside = result.ok && result.port >= low && result.port <= high;
  return `${call}(port 0, ${HOST}) -> ${answer(result)}, ${inside ? 'inside' : 'OUTSIDE'} the range`;
}

export function renderBind(seen: BindObservations): Line[] {
  const { ephemeral, conflicts, absentAddress, privileged, reach } = seen;
  const [low, high] = ephemeral.range;
  const lines: Line[] = [
    [
      'node',
      "TCP has no bind() of its own in Node: server.listen() calls bind(), then listen(); UDP's socket.bind() " +
        'is bind() alone',
    ],
    ['kernel', `ephemeral range ${low}–${high} (net.ipv4.ip_local_port_range)`],
    ['tcp', ephemeralText('listen', ephemeral.tcp, ephemeral.range)],
    ['udp', ephemeralText('bind', ephemeral.udp, ephemeral.range)],
  ];
  for (const row of ephemeral.rows) {
    const meaning = row.state === 'LISTEN' ? 'bound and listening' : 'bound, no peer: a UDP socket never listens';
    lines.push([
      'kernel',
      `${row.table.padEnd(4)} ${row.state.padEnd(6)} ${formatEndpoint(row.local)} -> ` +
        `${formatEndpoint(row.remote)} (${meaning})`,
    ]);
  }

  const port = conflicts.port;
  lines.push(
    ['blocker', `a live TCP listener holds ${HOST}:${port}`],
    ['tcp', `listen(port ${port}, ${HOST}) -> ${answer(conflicts.tcpSameAddress)} (the same address and port)`],
    ['tcp', `listen(port ${port}, 0.0.0.0) -> ${answer(conflicts.tcpWildcard)} (the wildcard covers ${HOST} too)`],
    [
      'tcp',
      `listen(port ${port}, 127.0.0.2) -> ${answer(conflicts.tcpOtherAddress)} (another address: the pair differs)`,
    ],
    ['udp', `bind(port ${port}, ${HOST}) -> ${answer(conflicts.udpSamePort)} (UDP ports are not TCP ports)`],
    ['udp', `bind(port ${port}, ${HOST}) again -> ${answer(conflicts.udpSamePortAgain)} (now a UDP socket holds it)`],
  );

  const absent = absentAddress.address;
  lines.push(
    ['machine', `no interface has ${absent}; net.ipv4.ip_nonlocal_bind = ${Number(absentAddress.nonlocalBind)}`],
    ['tcp', `listen(port 0, ${absent}) -> ${answer(absentAddress.tcp)}`],
    ['udp', `bind(port 0, ${absent}) -> ${answer(absentAddress.udp)}`],
  );
  if (!absentAddress.tcp.ok && absentAddress.tcp.syscall === 'listen') {
    lines.push([
      'node',
      `reports the TCP error as "listen ${absentAddress.tcp.code}"; the kernel's refusal came from bind()`,
    ]);
  }

  lines.push(...renderPrivileged(privileged));

  for (const listener of reach.listeners) {
    const family = listener.host.includes(':')
      ? listener.ipv6Only
        ? ', IPv6 only'
        : listener.host === '::'
          ? ', IPv4 too'
          : ''
      : '';
    const dials = listener.dials.map(({ target, outcome, arrivedAt }) => {
      const mapped = arrivedAt?.startsWith('::ffff:') ? ` at ${arrivedAt}` : '';
      return `${target} ${outcome}${mapped}`;
    });
    lines.push([
      'reach',
      `bound to ${formatEndpoint({ address: listener.host, port: listener.port })}${family}: ${dials.join(', ')}`,
    ]);
  }
  /* c8 ignore next -- for a machine without IPv6; CI has ::1 */
  if (!reach.ipv6) lines.push(['reach', 'this machine has no ::1 (IPv6 is off); the IPv6 listeners are skipped']);
  return lines;
}

export function renderPrivileged({ unprivilegedPortStart, self, unprivileged }: PrivilegedObservations): Line[] {
  if (!self)
    return [['kernel', `net.ipv4.ip_unprivileged_port_start = ${unprivilegedPortStart}: no port is privileged here`]];
  const lines: Line[] = [
    ['kernel', `ports below ${unprivilegedPortStart} need CAP_NET_BIND_SERVICE (net.ipv4.ip_unprivileged_port_start)`],
  ];
  const who = (uid: number, holds: boolean) => `uid ${uid}, ${holds ? 'holds' : 'lacks'} CAP_NET_BIND_SERVICE`;
  lines.push([
    'process',
    `${who(self.uid, self.holdsNetBindService)}: listen(port ${self.port}, ${HOST}) -> ${answer(self.result)}`,
  ]);
  if (unprivileged) {
    lines.push([
      'nobody',
      `${who(unprivileged.uid, unprivileged.holdsNetBindService)}: listen(port ${self.port}, ${HOST}) -> ` +
        `${answer(unprivileged.result)}`,
    ]);
    lines.push(['process', 'root may bind it because root holds the capability; setuid() to nobody dropped it']);
  } else {
    lines.push([
      'process',
      `not root, so this run cannot show the other side: run it as root to see a privileged bind`,
    ]);
  }
  return lines;
}

/** --serve: bind where the user says, print every connection's two ends, until SIGINT or SIGTERM. */
async function serve(values: FlagValues): Promise<void> {
  const host = hostFlag(values);
  const port = values.port === undefined ? 0 : portFlag(values);
  // Clients that keep their end open (nc does) would hold server.close() back: drop them on the signal.
  const clients = new Set<Socket>();
  const server = createServer((socket) => {
    const local = { address: socket.localAddress!, port: socket.localPort! };
    const remote = { address: socket.remoteAddress!, port: socket.remotePort! };
    process.stdout.write(`server: connection to ${formatEndpoint(local)} from ${formatEndpoint(remote)}\n`);
    clients.add(socket.once('close', () => clients.delete(socket)));
    socket.end(`you reached ${formatEndpoint(local)}\n`);
  });
  await listenOn({ host, port }, server);
  const bound = server.address() as AddressInfo;
  await untilSignal(listeningLine('tcp', bound.address, bound.port), () => {
    for (const client of clients) client.destroy();
    return closeServer(server)();
  });
}

const outcome = (result: BindResult) => (result.ok ? 'ok' : result.code);
const BIND_OUTCOMES = [
  ['ok', { en: 'it succeeds', ko: '성공한다' }],
  ['EADDRINUSE', same('EADDRINUSE')],
  ['EADDRNOTAVAIL', same('EADDRNOTAVAIL')],
  ['EACCES', same('EACCES')],
] as const;

/** Predict, then run: `npm run exercise -- 02`. */
export const EXERCISE = defineExercise({
  knobs: KNOBS,
  observe: () => observeBind(),
  questions: [
    {
      id: 'same-pair',
      kind: 'choice',
      ask: {
        en: () => 'A TCP server listens on 127.0.0.1 port P. A second TCP socket binds 127.0.0.1 port P and listens:',
        ko: () =>
          'TCP 서버가 127.0.0.1의 포트 P에서 listen한다. 두 번째 TCP 소켓이 127.0.0.1 포트 P에 bind하고 listen하면:',
      },
      options: BIND_OUTCOMES,
      measure: ({ conflicts }) => outcome(conflicts.tcpSameAddress),
      why: {
        en: () =>
          'one (address, port) pair names one listener unless both set SO_REUSEPORT; the kernel refuses a second',
        ko: () =>
          '둘 다 SO_REUSEPORT를 켜지 않는 한 (주소, 포트) 쌍 하나는 리스너 하나만 가리킨다. 커널은 두 번째 소켓을 거절한다',
      },
    },
    {
      id: 'other-address',
      kind: 'choice',
      ask: {
        en: () => 'The same port P, but on 127.0.0.2 (another loopback address):',
        ko: () => '같은 포트 P지만 127.0.0.2(다른 루프백 주소)라면:',
      },
      options: BIND_OUTCOMES,
      measure: ({ conflicts }) => outcome(conflicts.tcpOtherAddress),
      why: {
        en: () => 'the pair differs in its address, so it is a different pair: a port is taken per address',
        ko: () => '주소가 다르니 다른 쌍이다. 포트는 주소마다 따로 차지된다',
      },
    },
    {
      id: 'udp-same-port',
      kind: 'choice',
      ask: {
        en: () => 'A UDP socket binds 127.0.0.1 port P while the TCP listener holds it:',
        ko: () => 'TCP 리스너가 127.0.0.1 포트 P를 쓰고 있는 동안 UDP 소켓이 같은 포트에 bind하면:',
      },
      options: BIND_OUTCOMES,
      measure: ({ conflicts }) => outcome(conflicts.udpSamePort),
      why: {
        en: () => 'TCP and UDP keep separate port tables; the same number in each is two different ports',
        ko: () => 'TCP와 UDP는 포트 테이블을 따로 둔다. 번호가 같아도 서로 다른 두 포트다',
      },
    },
    {
      id: 'absent-address',
      kind: 'choice',
      ask: {
        en: () => 'A socket binds 203.0.113.7, an address no interface of this machine carries:',
        ko: () => '이 컴퓨터의 어느 인터페이스에도 없는 주소 203.0.113.7에 소켓이 bind하면:',
      },
      options: BIND_OUTCOMES,
      measure: ({ absentAddress }) => outcome(absentAddress.tcp),
      why: {
        en: ({ absentAddress }) =>
          `bind() takes only an address of this host unless net.ipv4.ip_nonlocal_bind is 1 (here it is ` +
          `${absentAddress.nonlocalBind ? 1 : 0})`,
        ko: ({ absentAddress }) =>
          `net.ipv4.ip_nonlocal_bind가 1이 아니면 bind()는 이 호스트의 주소만 받는다(여기서는 ` +
          `${absentAddress.nonlocalBind ? 1 : 0})`,
      },
    },
  ],
});

/** The command line, exported so tests can run it in-process. */
export const cli = defineScript({
  usage: `
Usage: npx tsx scripts/02-bind.ts [--json]
       npx tsx scripts/02-bind.ts --serve [--host IP] [--port N]

Binds sockets and shows the kernel's answer each time: port 0 gets an ephemeral port,
a port a live socket holds gives EADDRINUSE, an address this machine lacks gives
EADDRNOTAVAIL, a low port needs CAP_NET_BIND_SERVICE (else EACCES), and the address a
listener binds decides which loopback addresses reach it (127.0.0.1, 127.0.0.2, ::1).
As root it also runs a child as uid ${UNPRIVILEGED_UID} (nobody) to show the unprivileged side.

--serve     listen on --host and --port and print each connection until Ctrl-C;
            try --host 0.0.0.0, then nc 127.0.0.2 PORT; start a second copy on the same port
--host IP   the address to bind with --serve (default ${HOST})
--port N    the port to bind with --serve (default 0: the kernel picks)`,
  demo: observeBind,
  render: renderBind,
  serve,
});

/** Runs the lab's command line: the lesson calls this when it runs as a program in the project. */
export const run = () => runScript(cli);

if (isMain(import.meta.url)) await run();
