/**
 * The challenge checkers' plumbing. Each attack gets the learner's server as a fresh process of its
 * own (PORT=0 and HOST in its environment), found listening through the kernel's tables rather than
 * its output. Clients keep every byte they sent and received, so that a failed step shows the wire;
 * and a failed step also shows the kernel's view of that moment: the connections' rows, the
 * server's descriptors and its memory. Every process and socket an attack opens is closed after it.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { Socket } from 'node:net';
import type {
  AttackInfo,
  ChallengeLevel,
  CheckOptions,
  Failure,
  Report,
  Step,
  Wire,
} from '../../scripts/lib/challenge-check.ts';
import { readDescriptorTable, socketInodeOf } from '../../scripts/lib/descriptors.ts';
import { readTable, readTableOfInodes, type SocketRow } from '../../scripts/lib/proc-net.ts';
import { isRunning, kernelNamesWaitChannels, memoryOf, sleepingIn } from '../../scripts/lib/proc-stat.ts';
import { findTool } from '../../scripts/lib/tools.ts';
import { stretchedByLoad, until, untilTrue } from '../../scripts/lib/wait.ts';
import { type RunningProgram, START_MS, startProgram, tail } from './program.ts';
import { notInstalled } from './tools.ts';

export const HOST = '127.0.0.1';
export const MIB = 1024 * 1024;
/** How long the server may take to close the connections of a step that has ended. */
const SETTLE_MS = 1000;

/** The most a bound is stretched: beyond it, a slow server is slow, not merely busy. */
const MAX_STRETCH = 4;

/** A bound for an attack's wait: stretchedByLoad(), at most MAX_STRETCH times. */
export const scaled = (ms: number): number => stretchedByLoad(ms, MAX_STRETCH);

/** A failed step: the sentence a learner reads, and the wire when bytes explain it. */
export class AttackFailure extends Error {
  readonly wire?: Wire;
  constructor(message: string, wire?: Wire) {
    super(message);
    this.wire = wire;
  }
}

/** Seeded randomness (mulberry32): the same SEED and attack give the same bytes, so a failure replays. */
export class Random {
  private state: number;
  constructor(seed: number, salt: string) {
    let hash = seed >>> 0;
    for (const char of salt) hash = Math.imul(hash ^ char.charCodeAt(0), 0x9e3779b1) >>> 0;
    this.state = hash;
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  /** `length` printable ASCII characters: text that survives any decoding. */
  text(length: number): Buffer {
    const bytes = Buffer.alloc(length);
    for (let i = 0; i < length; i++) bytes[i] = 0x21 + this.int(94);
    return bytes;
  }
  /** `length` bytes of any value, 0 to 255. */
  bytes(length: number): Buffer {
    const bytes = Buffer.alloc(length);
    for (let i = 0; i < length; i++) bytes[i] = this.int(256);
    return bytes;
  }
  /** A word of letters and digits, for keys and names. */
  word(length: number): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    return Array.from({ length }, () => alphabet[this.int(alphabet.length)]).join('');
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

/** The learner's server, as a step starts. */
export interface Server {
  readonly program: RunningProgram;
  readonly pid: number;
  readonly port: number;
  /** Its peak memory and open descriptors as the step started. */
  readonly startHwm: number;
  readonly startDescriptors: number;
}

/** `server` with its memory and descriptors as they are now, for the step about to start. */
function withBaseline(server: Server): Server {
  return { ...server, startHwm: memoryOf(server.pid, 'VmHWM'), startDescriptors: descriptorCount(server.pid) ?? 0 };
}

/** Open descriptors of `pid`, or undefined once it has gone. */
export function descriptorCount(pid: number): number | undefined {
  try {
    return readDescriptorTable(pid).length;
  } catch {
    return undefined;
  }
}

/**
 * How long the socket tables may go unread while a starting server's sockets stay the same: a
 * socket seen between its socket() and its listen() has no row yet, and shows one without changing.
 */
const RELOOK_MS = 100;

/**
 * A probe for the port of the socket `pid` listens on (TCP) or is bound to (UDP), from its
 * descriptors and the kernel's tables. Each look at the tables costs the kernel the whole table
 * (thousands of TIME_WAIT rows on a busy machine), so they are read when the process's sockets
 * changed, or RELOOK_MS after the last read; its descriptors are cheap to look at every time.
 */
function boundPortProbe(pid: number, protocol: 'tcp' | 'udp'): () => Promise<number | undefined> {
  let lookedFor = '';
  let lookedAt = 0;
  return async () => {
    let inodes: Set<number>;
    try {
      inodes = new Set(readDescriptorTable(pid).flatMap((descriptor) => socketInodeOf(descriptor.target) ?? []));
    } catch {
      return undefined;
    }
    const sockets = [...inodes].join();
    if (sockets === lookedFor && performance.now() - lookedAt < RELOOK_MS) return undefined;
    [lookedFor, lookedAt] = [sockets, performance.now()];
    const rows = [...(await readTableOfInodes(protocol, inodes)), ...(await readTableOfInodes(`${protocol}6`, inodes))];
    return rows.find((row) => protocol === 'udp' || row.state === 'LISTEN')?.localPort;
  };
}

/** Starts `file` with PORT=0 and HOST, and waits (bounded, scaled with load) until the kernel shows its socket. */
async function startServer(file: string, protocol: 'tcp' | 'udp'): Promise<Server> {
  const program = startProgram(file, [], [], { PORT: '0', HOST });
  const startMs = scaled(START_MS);
  const boundPort = boundPortProbe(program.pid, protocol);
  try {
    const port = await until(
      async () => {
        if (!isRunning(program.pid)) throw new AttackFailure(`the program exited before it listened: ${tail(program)}`);
        return boundPort();
      },
      startMs,
      `a ${protocol === 'tcp' ? 'listening TCP' : 'bound UDP'} socket among the program's descriptors ` +
        `(PORT=0 HOST=${HOST})`,
      10,
    );
    return withBaseline({ program, pid: program.pid, port, startHwm: 0, startDescriptors: 0 });
  } catch (error) {
    await program.stop();
    throw error instanceof AttackFailure ? error : new AttackFailure((error as Error).message);
  }
}

/** How long a failed step waits for a server whose sockets just closed to be seen as exited. */
const EXIT_NOTICE_MS = 200;
/** How long it waits for an exited server's output to close, so that all it printed is read. */
const EXITED_MS = 1000;

/** How a step that finds the server gone fails: runAttack adds what the server printed. */
const SERVER_EXITED = 'the server exited';

/** A TCP client of the attack: keeps every byte it sent and received, and what it was due. */
export class Peer {
  readonly socket = new Socket();
  private sentChunks: Buffer[] = [];
  private receivedChunks: Buffer[] = [];
  private expectedChunks: Buffer[] = [];
  receivedBytes = 0;
  expectedBytes = 0;
  /** How many bytes at the start of what came back were found to be the bytes due. */
  private matchedBytes = 0;
  sentBytes = 0;
  ended = false;
  closed = false;
  error = '';
  localPort = 0;
  private wake: Array<() => void> = [];
  readonly label: string;

  constructor(label: string) {
    this.label = label;
    const notify = () => {
      for (const wake of this.wake.splice(0)) wake();
    };
    this.socket.on('data', (chunk: Buffer) => {
      this.receivedChunks.push(chunk);
      this.receivedBytes += chunk.length;
      notify();
    });
    this.socket.on('connect', notify);
    this.socket.on('end', () => {
      this.ended = true;
      notify();
    });
    this.socket.on('close', () => {
      this.closed = true;
      notify();
    });
    this.socket.on('error', (error: NodeJS.ErrnoException) => {
      this.error = error.code ?? error.message;
    });
  }

  received(): Buffer {
    if (this.receivedChunks.length > 1) this.receivedChunks = [Buffer.concat(this.receivedChunks)];
    return this.receivedChunks[0] ?? Buffer.alloc(0);
  }

  wire(): Wire {
    return {
      sent: Buffer.concat(this.sentChunks),
      expected: Buffer.concat(this.expectedChunks),
      received: this.received(),
    };
  }

  /** Writes `data` and returns write()'s answer: false once it is queued in this process. */
  write(data: Buffer | string): boolean {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    this.sentChunks.push(bytes);
    this.sentBytes += bytes.length;
    return this.socket.write(bytes);
  }

  /** Waits until `condition` holds, woken by every byte, end or close; fails with `what` after `ms`. */
  async until(condition: () => boolean, ms: number, what: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(() => reject(new AttackFailure(`timed out after ${ms} ms waiting for ${what}`)), ms);
        const check = () => (condition() ? resolve() : this.wake.push(check));
        check();
      });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Adds `reply` to what this client is due, waits until as many bytes came back (or one that came
   * back differs from the byte due, or the server ended, or `ms` passed), and fails with the wire
   * unless they are the bytes due. A wrong answer fails at once, as a wrong answer, not as a wait
   * for bytes that will never come.
   */
  async expect(reply: Buffer | string, ms: number, what: string): Promise<void> {
    const due = typeof reply === 'string' ? Buffer.from(reply) : reply;
    this.expectedChunks.push(due);
    this.expectedBytes += due.length;
    const answered = () => this.receivedBytes >= this.expectedBytes || this.ended || this.closed || !this.agreesSoFar();
    try {
      await this.until(answered, ms, what);
    } catch (error) {
      throw new AttackFailure((error as Error).message, this.wire());
    }
    this.compare(what);
  }

  /** Fails with the wire unless every byte that came back so far is the byte due. */
  compare(what: string): void {
    if (this.cameBackAsDue()) return;
    const wire = this.wire();
    const got = wire.received.subarray(0, wire.expected.length);
    const gone =
      this.ended || this.closed ? `, then the server ${this.error ? `reset (${this.error})` : 'closed'}` : '';
    const common = Math.min(got.length, wire.expected.length);
    const why = !got.subarray(0, common).equals(wire.expected.subarray(0, common))
      ? 'the bytes differ'
      : got.length < wire.expected.length
        ? `only ${got.length} of ${wire.expected.length} bytes came back`
        : 'more bytes came back than were due';
    throw new AttackFailure(`${what}: ${why}${gone}`, wire);
  }

  /** Whether exactly the bytes due came back, no more and no fewer. */
  private cameBackAsDue(): boolean {
    return this.receivedBytes === this.expectedBytes && this.agreesSoFar();
  }

  /**
   * Whether every byte that came back is the byte due at its place, as far as both go. Bytes
   * already found equal are not compared again (what came back and what is due only grow), and
   * only the new ones are joined: this runs on every read, and a client may be due 64 MiB.
   */
  private agreesSoFar(): boolean {
    const to = Math.min(this.receivedBytes, this.expectedBytes);
    if (to <= this.matchedBytes) return true;
    const came = Buffer.concat(bytesBetween(this.receivedChunks, this.receivedBytes, this.matchedBytes, to));
    const due = Buffer.concat(bytesBetween(this.expectedChunks, this.expectedBytes, this.matchedBytes, to));
    if (!came.equals(due)) return false;
    this.matchedBytes = to;
    return true;
  }
}

/**
 * Bytes `from` to `to` of a stream kept as `chunks` (`total` bytes in all), as pieces of the chunks.
 * Read from the end: the bytes asked for are the newest, so only the chunks that hold them are visited.
 */
function bytesBetween(chunks: readonly Buffer[], total: number, from: number, to: number): Buffer[] {
  const pieces: Buffer[] = [];
  let end = total;
  for (let i = chunks.length - 1; i >= 0 && end > from; i--) {
    const start = end - chunks[i].length;
    if (start < to) pieces.unshift(chunks[i].subarray(Math.max(from, start) - start, Math.min(to, end) - start));
    end = start;
  }
  return pieces;
}

/** A UDP client of the attack: one socket of its own, replies waited for one at a time. */
export class DatagramPeer {
  readonly socket: UdpSocket = createSocket('udp4');
  private inbox: Buffer[] = [];
  private wake: (() => void) | undefined;
  sent: Buffer[] = [];
  readonly label: string;
  localPort = 0;

  constructor(label: string) {
    this.label = label;
    this.socket.on('message', (message: Buffer) => {
      this.inbox.push(message);
      this.wake?.();
    });
  }

  /** Datagrams that arrived and were not taken as an answer. */
  unread(): number {
    return this.inbox.length;
  }

  send(port: number, data: string | Buffer): void {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    this.sent.push(bytes);
    this.socket.send(bytes, port, HOST);
  }

  /** The next datagram, or a failure naming `what` after `ms`. */
  async next(ms: number, what: string): Promise<Buffer> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<Buffer>((resolve, reject) => {
        timer = setTimeout(() => reject(new AttackFailure(`timed out after ${ms} ms waiting for ${what}`)), ms);
        const check = () => {
          const message = this.inbox.shift();
          if (message) resolve(message);
          else this.wake = check;
        };
        check();
      });
    } finally {
      clearTimeout(timer);
      this.wake = undefined;
    }
  }

  /** Sends `request` and fails with the wire unless the next datagram is `reply`. */
  async ask(port: number, request: string | Buffer, reply: string, ms: number, what: string): Promise<void> {
    this.send(port, request);
    const sent = this.sent.at(-1)!;
    let answer: Buffer;
    try {
      answer = await this.next(ms, what);
    } catch (error) {
      throw new AttackFailure((error as Error).message, {
        sent,
        expected: Buffer.from(reply),
        received: Buffer.alloc(0),
      });
    }
    if (!answer.equals(Buffer.from(reply)))
      throw new AttackFailure(`${what}: the reply differs`, { sent, expected: Buffer.from(reply), received: answer });
  }
}

/** Outside tools by name, found before any step ran: name to path. */
type Tools = ReadonlyMap<string, string>;

/** What an attack works with: the server, seeded randomness, its tools, and clients that are closed after it. */
export class Attack {
  readonly peers: Peer[] = [];
  readonly datagramPeers: DatagramPeer[] = [];
  readonly server: Server;
  readonly random: Random;
  private readonly tools: Tools;
  constructor(server: Server, random: Random, tools: Tools = new Map()) {
    this.server = server;
    this.random = random;
    this.tools = tools;
  }

  /** The path of a tool the attack declared (AttackSpec.tools), which the level's check found. */
  tool(name: string): string {
    const path = this.tools.get(name);
    if (path === undefined) throw new Error(`${name} is not among the attack's declared tools`);
    return path;
  }

  /** A connected client; `label` names it in a failure ("client 3"). */
  async connect(label: string): Promise<Peer> {
    const peer = new Peer(label);
    this.peers.push(peer);
    peer.socket.connect(this.server.port, HOST);
    await peer.until(() => peer.socket.readyState === 'open' || peer.closed, scaled(2000), `${label} to connect`);
    if (peer.closed) throw new AttackFailure(`${label} could not connect (${peer.error || 'closed'})`);
    peer.localPort = peer.socket.localPort ?? 0;
    return peer;
  }

  async datagramPeer(label: string): Promise<DatagramPeer> {
    const peer = new DatagramPeer(label);
    this.datagramPeers.push(peer);
    await new Promise<void>((resolve) => peer.socket.bind(0, HOST, resolve));
    peer.localPort = peer.socket.address().port;
    return peer;
  }

  /**
   * Fails the step at once when the server has exited: a wait on what it does would only time out.
   * What it printed is added once its output has closed (runAttack).
   */
  assertServerRuns(): void {
    if (!isRunning(this.server.pid)) throw new AttackFailure(SERVER_EXITED);
  }

  /** Whether the server's main thread waits in epoll_wait: it has done all it will until the kernel has news. */
  serverWaits(): boolean {
    this.assertServerRuns();
    return sleepingIn(this.server.pid) === 'do_epoll_wait';
  }

  /** The inodes of the server's ends of these clients' connections, from /proc/net/tcp. */
  async serverInodes(peers: readonly Peer[] = this.peers): Promise<number[]> {
    const rows = await readTable('tcp', [this.server.port]);
    return peers.flatMap((peer) => {
      const theirs = rows.find((row) => row.localPort === this.server.port && row.remotePort === peer.localPort);
      return theirs ? [theirs.inode] : [];
    });
  }

  /** Whether the server still holds a descriptor for any of these sockets; false once it has exited. */
  serverHolds(inodes: readonly number[]): boolean {
    try {
      return readDescriptorTable(this.server.pid).some((descriptor) =>
        inodes.includes(socketInodeOf(descriptor.target) ?? -1),
      );
    } catch {
      return false;
    }
  }

  /**
   * Closes the clients, then waits until the server has closed its ends of their connections.
   * True when it did and still runs; false when it exited or held on (the next step gets a new one).
   */
  async closeAndSettle(): Promise<boolean> {
    const inodes = await this.serverInodes();
    this.close();
    // Closed them, and then either back in epoll_wait or gone: a process that exits closes its
    // descriptors before it is reaped, so "closed them and still running" alone is not enough.
    const settled = () =>
      !this.serverHolds(inodes) && (!isRunning(this.server.pid) || sleepingIn(this.server.pid) === 'do_epoll_wait');
    try {
      await untilTrue(settled, scaled(SETTLE_MS), 'the server to close them', 5);
    } catch {
      return false;
    }
    return isRunning(this.server.pid);
  }

  close(): void {
    for (const peer of this.peers) peer.socket.destroy();
    for (const peer of this.datagramPeers) peer.socket.close();
  }
}

export interface AttackSpec extends AttackInfo {
  /**
   * Runs on a server process of its own, started for it: its verdict measures the process (its peak
   * memory), which earlier steps on the same process would have moved, so that the step alone
   * (--attack) and the step in the whole run give the same verdict.
   */
  freshServer?: boolean;
  /**
   * Outside tools it runs (`prlimit`). Where one is missing the level cannot be checked, and says
   * so: a step that skipped itself would let a server pass what it was never shown.
   */
  tools?: string[];
  run(attack: Attack): Promise<void>;
}

export interface LevelSpec {
  protocol: 'tcp' | 'udp';
  /**
   * A new server process for every step. A UDP server has no connection whose end tells it a
   * client has gone: what it learned of one step's clients would carry into the next.
   */
  serverPerStep?: boolean;
  title: ChallengeLevel['title'];
  notes: string[];
  attacks: AttackSpec[];
}

const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;

function rowLine(row: SocketRow, side: string): string {
  // A UDP socket is "07" (CLOSE in TCP's numbering) until connect() gives it a peer.
  const state = row.table.startsWith('udp') ? (row.state === 'CLOSE' ? 'unconnected' : 'connected') : row.state;
  const peer = row.remotePort === 0 ? '' : ` → ${row.remoteAddress}:${row.remotePort}`;
  return (
    `${side.padEnd(28)} ${row.localAddress}:${row.localPort}${peer}  ` +
    `${state}  Recv-Q ${row.rxQueue}  Send-Q ${row.txQueue}${row.drops ? `  drops ${row.drops}` : ''}`
  );
}

/** The kernel's view when a step failed: each client's connection from both ends, and the server process. */
async function kernelView(attack: Attack, protocol: 'tcp' | 'udp'): Promise<string[]> {
  const { server } = attack;
  const lines: string[] = [];
  if (protocol === 'tcp') {
    const rows = await readTable('tcp', [server.port]);
    // A few connections say enough: the first ones opened, where an attack's story starts.
    for (const peer of attack.peers.slice(0, 4)) {
      if (peer.localPort === 0) {
        lines.push(`${peer.label}: never connected`);
        continue;
      }
      const ours = rows.find((row) => row.localPort === peer.localPort && row.remotePort === server.port);
      const theirs = rows.find((row) => row.localPort === server.port && row.remotePort === peer.localPort);
      if (!ours && !theirs) lines.push(`${peer.label}: no connection left in /proc/net/tcp`);
      if (ours) lines.push(rowLine(ours, `${peer.label}, its end:`));
      if (theirs) lines.push(rowLine(theirs, `${peer.label}, the server's end:`));
    }
    if (attack.peers.length > 4) lines.push(`(and ${attack.peers.length - 4} more clients)`);
  } else {
    const ports = attack.datagramPeers.map((peer) => peer.localPort);
    const rows = await readTable('udp', [server.port, ...ports]);
    for (const row of rows.filter((candidate) => candidate.localPort === server.port))
      lines.push(rowLine(row, "the server's socket:"));
    // Where the replies went: a client's receive queue holds the datagrams it has not read.
    for (const peer of attack.datagramPeers.slice(0, 4)) {
      const row = rows.find((candidate) => candidate.localPort === peer.localPort);
      if (row) lines.push(rowLine(row, `${peer.label}:`));
    }
    if (attack.datagramPeers.length > 4) lines.push(`(and ${attack.datagramPeers.length - 4} more clients)`);
  }
  if (!isRunning(server.pid)) {
    const exit = await server.program.exit(scaled(1000));
    lines.push(`server pid ${server.pid}: exited (${exit?.signal ?? `code ${exit?.code}`})`);
    return lines;
  }
  lines.push(
    `server pid ${server.pid}: ${descriptorCount(server.pid)} descriptors open ` +
      `(${server.startDescriptors} as the step began), ` +
      `VmRSS ${mib(memoryOf(server.pid, 'VmRSS'))}, VmHWM ${mib(memoryOf(server.pid, 'VmHWM'))} ` +
      `(${mib(server.startHwm)} as the step began)`,
  );
  return lines;
}

/** Runs one attack on `server`; a failure carries the kernel's view of that moment. */
async function runAttack(server: Server, level: LevelSpec, spec: AttackSpec, seed: number, tools: Tools) {
  const attack = new Attack(server, new Random(seed, spec.name), tools);
  try {
    await spec.run(attack);
    // The next step gets a server that has let go of this step's connections, or a new one.
    return { failure: undefined, settled: await attack.closeAndSettle() };
  } catch (error) {
    const failure = error instanceof AttackFailure ? error : new AttackFailure(String((error as Error).message));
    let what = failure.message;
    // A server that crashed is the news, whatever the step was waiting for when it noticed. Its
    // sockets close as it dies, so a step that saw one close may see it a moment before the process
    // is gone: only then is a running server given that moment.
    const sawAClose = attack.peers.some((peer) => peer.ended || peer.closed);
    const exitWithin = !isRunning(server.pid) ? EXITED_MS : sawAClose ? EXIT_NOTICE_MS : 0;
    const exit = await server.program.exit(scaled(exitWithin));
    if (exit) {
      // All it printed has been read: exit() waits for its output to close.
      const said = tail(server.program);
      what =
        what === SERVER_EXITED
          ? `${what}: ${said}`
          : `${SERVER_EXITED} during this step: ${said}; the step saw: ${what}`;
    }
    const kernel = await kernelView(attack, level.protocol);
    attack.close();
    return { failure: { what, wire: failure.wire, kernel, printed: tail(server.program, 4) } };
  }
}

/**
 * Runs the attacks in order on one server process, started again where a step failed, where the
 * server exited, or where it held on to a finished step's connections: each step starts from a
 * server in a known state, without the cost of a new process for every step.
 */
async function runAttacks(
  file: string,
  specs: readonly AttackSpec[],
  level: LevelSpec,
  options: CheckOptions,
  tools: Tools,
): Promise<Step[]> {
  const steps: Step[] = [];
  let server: Server | undefined;
  try {
    for (const spec of specs) {
      const started = performance.now();
      const finish = (failure: Failure | undefined) => {
        const step = { name: spec.name, claim: spec.claim, ms: Math.round(performance.now() - started) };
        steps.push(failure ? { ...step, failure } : step);
        options.onStep?.(steps.at(-1)!);
      };
      if (spec.freshServer && server) {
        await server.program.stop();
        server = undefined;
      }
      try {
        server = server ? withBaseline(server) : await startServer(file, level.protocol);
      } catch (error) {
        finish({ what: (error as Error).message, kernel: [], printed: '' });
        if (!options.keepGoing) break;
        continue;
      }
      const { failure, settled } = await runAttack(server, level, spec, options.seed, tools);
      if (failure || !settled || level.serverPerStep) {
        await server.program.stop();
        server = undefined;
      }
      finish(failure);
      if (failure && !options.keepGoing) break;
    }
  } finally {
    await server?.program.stop();
  }
  return steps;
}

/** A level as the runner and the proofs see it, from its attacks. */
export function defineLevel(level: LevelSpec): ChallengeLevel {
  return {
    title: level.title,
    notes: level.notes,
    attacks: level.attacks.map(({ name, claim, hints, notes }) => ({ name, claim, hints, notes })),
    async check(file: string, options: CheckOptions): Promise<Report> {
      if (process.platform !== 'linux')
        return { seed: options.seed, steps: [], cannotCheck: 'the checker reads /proc, Linux only' };
      if (!kernelNamesWaitChannels())
        return {
          seed: options.seed,
          steps: [],
          cannotCheck: 'this kernel does not name where a process sleeps (/proc/PID/wchan is 0)',
        };
      const specs = level.attacks.filter((attack) => options.only === undefined || attack.name === options.only);
      const tools = new Map<string, string>();
      for (const name of new Set(specs.flatMap((spec) => spec.tools ?? []))) {
        const path = await findTool(name);
        if (!path) return { seed: options.seed, steps: [], cannotCheck: notInstalled(name) };
        tools.set(name, path);
      }
      return { seed: options.seed, steps: await runAttacks(file, specs, level, options, tools) };
    },
  };
}
