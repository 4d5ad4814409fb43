/**
 * @title bind() gives a socket its address
 * @concept bind() claims an (IP address, port) pair for a socket: port 0 asks the kernel for an ephemeral port, a pair
 *   a live socket holds is refused, the address must be this machine's, low ports need a privilege, and the address
 *   decides who can connect.
 * @notes #21-bind-gives-a-socket-its-address-02-bind
 * @run npx tsx scripts/02-bind.ts
 * @resource https://nodejs.org/api/net.html#serverlistenoptions-callback
 * @resource https://nodejs.org/api/dgram.html#socketbindport-address-callback
 * @resource https://man7.org/linux/man-pages/man2/bind.2.html
 * @resource https://man7.org/linux/man-pages/man7/ip.7.html
 * @resource https://man7.org/linux/man-pages/man7/ipv6.7.html
 * @resource https://docs.kernel.org/networking/ip-sysctl.html
 * @knobs LOW_PORT (tests: the port a uid-0 process without CAP_NET_BIND_SERVICE tries; default one below
 *   ip_unprivileged_port_start)
 *
 * Node has no bind() of its own for TCP: server.listen() makes the bind() and the listen()
 * system calls one after the other. For UDP, dgram's socket.bind() is a bind() and nothing else.
 * So each step below binds TCP with listen() and UDP with bind(), and reads the kernel's answer:
 * a port, or an error code.
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
import {
  defineScript,
  isMain,
  portFlag,
  runScript,
  untilSignal,
  type FlagValues,
  type Line,
  defineKnobs,
  formatEndpoint,
  hostFlag,
  listeningLine,
} from './lib/cli.ts';
import { startNodeChild } from './lib/child.ts';
import { hasProcNet, readSysctl, readTable, type Table } from './lib/proc-net.ts';
import { defineExercise } from './lib/questions.ts';
import { until, within } from './lib/wait.ts';

const HOST = '127.0.0.1';
const STEP_TIMEOUT_MS = 2000;
/** How many ports to try before giving up on finding a free one (each try is one bind). */
const FREE_PORT_TRIES = 20;
/** The conventional uid of "nobody", the unprivileged user a root process can become. */
const UNPRIVILEGED_UID = 65534;
/** Bit 10 of the capability sets: CAP_NET_BIND_SERVICE (include/uapi/linux/capability.h). */
const CAP_NET_BIND_SERVICE = 10n;
/** Documentation addresses (RFC 5737): never assigned on the Internet, so normally not on this machine. */
const ABSENT_ADDRESS_CANDIDATES = ['203.0.113.7', '198.51.100.7', '203.0.113.77', '198.51.100.77'];
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

// --- The lesson: bind() claims an (address, port) pair, and what the kernel says to each ask ------

/** Binds sockets every way the lesson needs and records the kernel's answer to each. */
export async function observeBind(): Promise<BindObservations> {
  /* c8 ignore next -- the Linux-only refusal; CI runs on Linux */
  if (!hasProcNet) throw new Error('this lesson reads /proc/sys and /proc/net, which only Linux has');
  return {
    ephemeral: await observeEphemeral(),
    conflicts: await observeConflicts(),
    absentAddress: await observeAbsentAddress(),
    privileged: await observePrivileged(),
    reach: await observeReach(),
  };
}

/** Port 0: the kernel chooses a free port from its ephemeral range. */
async function observeEphemeral(): Promise<EphemeralObservations> {
  const [low, high] = (await readSysctl('net/ipv4/ip_local_port_range')).split(/\s+/).map(Number);
  const open: Closer[] = [];
  try {
    // bind() to port 0, once for TCP (inside listen()) and once for UDP: the kernel picks a free port in the range.
    const tcp = await attempt(open, () => listenOn({ host: HOST, port: 0 }));
    const udp = await attempt(open, () => bindUdp('udp4', 0, HOST));
    const ours = async (table: Table, result: BindResult) =>
      (await readTable(table, result.ok ? [result.port] : [])).filter(
        (row) => result.ok && row.localAddress === result.address && row.localPort === result.port,
      );
    const rows = [...(await ours('tcp', tcp)), ...(await ours('udp', udp))].map((row) => ({
      table: row.table,
      local: { address: row.localAddress, port: row.localPort },
      remote: { address: row.remoteAddress, port: row.remotePort },
      state: row.state,
    }));
    return { range: [low, high], tcp, udp, rows };
  } finally {
    await closeAll(open);
  }
}

/**
 * EADDRINUSE: a blocker holds 127.0.0.1:PORT while other sockets try the same port. The port is
 * the kernel's choice for the blocker, so the two binds that should succeed (another address,
 * UDP) could meet a stranger's socket on that number: then we pick another port and try again.
 */
async function observeConflicts(): Promise<ConflictObservations> {
  const open: Closer[] = [];
  try {
    let port: number;
    let tcpOtherAddress: BindResult;
    let udpSamePort: BindResult;
    let round = 1;
    // One listener holds (127.0.0.1, P); then bind() asks for P again, on other addresses and in UDP.
    do {
      await closeAll(open); // the last round's sockets, when a stranger spoiled it
      const blocker = await listenOn({ host: HOST, port: 0 });
      open.push(closeServer(blocker));
      port = (blocker.address() as AddressInfo).port;
      tcpOtherAddress = await attempt(open, () => listenOn({ host: '127.0.0.2', port }));
      udpSamePort = await attempt(open, () => bindUdp('udp4', port, HOST));
    } while ((!tcpOtherAddress.ok || !udpSamePort.ok) && round++ < FREE_PORT_TRIES);
    return {
      port,
      tcpSameAddress: await attempt(open, () => listenOn({ host: HOST, port })),
      tcpWildcard: await attempt(open, () => listenOn({ host: '0.0.0.0', port })),
      tcpOtherAddress,
      udpSamePort,
      udpSamePortAgain: await attempt(open, () => bindUdp('udp4', port, HOST)),
    };
  } finally {
    await closeAll(open);
  }
}

/** EADDRNOTAVAIL: an address this machine does not have. Binding sends no packet. */
async function observeAbsentAddress(): Promise<AbsentAddressObservations> {
  const assigned = assignedAddresses();
  const address = ABSENT_ADDRESS_CANDIDATES.find((candidate) => !assigned.has(candidate));
  if (!address) throw new Error(`every candidate address is assigned here: ${ABSENT_ADDRESS_CANDIDATES.join(', ')}`);
  const open: Closer[] = [];
  try {
    // bind() to an address no interface has: EADDRNOTAVAIL, unless ip_nonlocal_bind allows it.
    return {
      address,
      nonlocalBind: (await readSysctl('net/ipv4/ip_nonlocal_bind')) === '1',
      tcp: await attempt(open, () => listenOn({ host: address, port: 0 })),
      udp: await attempt(open, () => bindUdp('udp4', 0, address)),
    };
  } finally {
    await closeAll(open);
  }
}

/**
 * EACCES: ports under ip_unprivileged_port_start, for a process without CAP_NET_BIND_SERVICE.
 * The uid that counts is the effective one: it is what the kernel checks, with the capabilities.
 */
export async function observePrivileged(): Promise<PrivilegedObservations> {
  const unprivilegedPortStart = unprivilegedPortStartNow();
  if (unprivilegedPortStart <= 1) return { unprivilegedPortStart, self: null, unprivileged: null };

  const uid = process.geteuid!();
  const holdsNetBindService = hasNetBindService(await readFile('/proc/self/status', 'utf8'));
  // Walk down from the highest privileged port while the answer is EADDRINUSE (another socket has it).
  const lowestTry = Math.max(1, unprivilegedPortStart - FREE_PORT_TRIES);
  let port = unprivilegedPortStart - 1;
  let result = await tryLowPort(port);
  while (!result.ok && result.code === 'EADDRINUSE' && port > lowestTry) result = await tryLowPort(--port);
  const self = { uid, holdsNetBindService, port, result };

  if (uid !== 0) return { unprivilegedPortStart, self, unprivileged: null };
  const child = await startNodeChild({ module: UNPRIVILEGED_BIND, args: [String(UNPRIVILEGED_UID)] });
  try {
    await child.next(STEP_TIMEOUT_MS, 'the child to become nobody');
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

/** Who can connect: one listener per bind address, each dialled on every loopback address. */
async function observeReach(): Promise<ReachObservations> {
  const ipv6 = assignedAddresses().has('::1');
  const binds = [
    { host: '127.0.0.1', ipv6Only: false },
    // A wildcard bind accepts on every address of this machine, not only loopback: it is the lesson, so it stays up
    // only while we dial.
    { host: '0.0.0.0', ipv6Only: false },
  ];
  const targets = [...DIAL_TARGETS_V4];
  if (ipv6) {
    binds.push({ host: '::1', ipv6Only: false }, { host: '::', ipv6Only: false }, { host: '::', ipv6Only: true });
    targets.push('::1');
  }
  const listeners: ReachObservations['listeners'] = [];
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
const UNPRIVILEGED_BIND = new URL('./children/02-unprivileged-bind.ts', import.meta.url);

/** Binds a low port on 127.0.0.1 and lets it go at once: this lesson never keeps one. */
async function tryLowPort(port: number): Promise<BindResult> {
  const open: Closer[] = [];
  const result = await attempt(open, () => listenOn({ host: HOST, port }));
  await closeAll(open);
  return result;
}

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
  ['ok', 'it succeeds'],
  ['EADDRINUSE', 'EADDRINUSE'],
  ['EADDRNOTAVAIL', 'EADDRNOTAVAIL'],
  ['EACCES', 'EACCES'],
] as const;

/** Predict, then run: `npm run exercise -- 02`. */
export const EXERCISE = defineExercise({
  knobs: KNOBS,
  observe: () => observeBind(),
  questions: [
    {
      id: 'same-pair',
      kind: 'choice',
      ask: () => 'A TCP server listens on 127.0.0.1 port P. A second TCP socket binds 127.0.0.1 port P and listens:',
      options: BIND_OUTCOMES,
      measure: ({ conflicts }) => outcome(conflicts.tcpSameAddress),
      why: () => 'one (address, port) pair names one listener; the kernel refuses a second',
    },
    {
      id: 'other-address',
      kind: 'choice',
      ask: () => 'The same port P, but on 127.0.0.2 (another loopback address):',
      options: BIND_OUTCOMES,
      measure: ({ conflicts }) => outcome(conflicts.tcpOtherAddress),
      why: () => 'the pair differs in its address, so it is a different pair: a port is taken per address',
    },
    {
      id: 'udp-same-port',
      kind: 'choice',
      ask: () => 'A UDP socket binds 127.0.0.1 port P while the TCP listener holds it:',
      options: BIND_OUTCOMES,
      measure: ({ conflicts }) => outcome(conflicts.udpSamePort),
      why: () => 'TCP and UDP keep separate port tables; the same number in each is two different ports',
    },
    {
      id: 'absent-address',
      kind: 'choice',
      ask: () => 'A socket binds 203.0.113.7, an address no interface of this machine carries:',
      options: BIND_OUTCOMES,
      measure: ({ absentAddress }) => outcome(absentAddress.tcp),
      why: ({ absentAddress }) =>
        `bind() takes only an address of this host unless net.ipv4.ip_nonlocal_bind is 1 (here it is ` +
        `${absentAddress.nonlocalBind ? 1 : 0})`,
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

if (isMain(import.meta.url)) await runScript(cli);
