/**
 * `npm run trace -- 03`: runs a script under strace, one file per thread (`-ff`), and prints the
 * socket system calls it really made, each with the step of the notes' flow it is: this is where
 * `server.listen()` shows itself as socket() + bind() + listen(), and a 'connection' event as
 * accept4(). Any flags after the number go to the script (`npm run trace -- 12 --clients 20`).
 * Only calls on TCP and UDP sockets are kept (found from the socket() or accept4() that made them),
 * and the event loop's waits between them.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listEntries, ROOT } from './catalog.ts';
import { nodeArgsFor } from './child.ts';
import { isMain, parseFlags, runMain, UsageError } from './cli.ts';
import { findTool, runTool } from './tools.ts';

const TRACED = [
  'socket',
  'bind',
  'listen',
  'accept',
  'accept4',
  'connect',
  'getsockname',
  'read',
  'write',
  'readv',
  'writev',
  'recvfrom',
  'recvmsg',
  'recvmmsg',
  'sendto',
  'sendmsg',
  'sendmmsg',
  'shutdown',
  'close',
  'setsockopt',
  'epoll_wait',
  'epoll_pwait',
  'epoll_pwait2',
];
/** The calls that make threads and processes, and execve(), which names a process by its command. */
const LINEAGE = ['clone', 'clone3', 'fork', 'vfork', 'execve'];
const WAITS = new Set(['epoll_wait', 'epoll_pwait', 'epoll_pwait2']);
const RUN_TIMEOUT_MS = 120_000;
const DEFAULT_LIMIT = 60;

/** One system call on a socket, or one wait of the event loop, with the step of the notes it is. */
export interface TracedStep {
  call: string;
  /** When the call began, in seconds since the epoch (strace -ttt). */
  time: number;
  /** The socket descriptor it acts on; undefined for a wait. */
  fd?: number;
  /** What the descriptor is: "TCP socket", "listener 127.0.0.1:43519", "accepted from fd 21", ... */
  role?: string;
  /** The call as strace wrote it, shortened. */
  text: string;
  /** The call's result: a number, or "-1 EAGAIN" and the like. */
  result: string;
  step: string;
}

/** One process of the run: its threads' socket calls, merged in time order. */
export interface ProcessTrace {
  pid: number;
  /** Its command line, as its execve() gave it ("node scripts/children/04-stalled-listener.ts"). */
  command: string;
  /** The process that started it, if that one was traced too. */
  parent?: number;
  steps: TracedStep[];
}

export interface TraceResult {
  script: string;
  args: string[];
  code: number | null;
  /** What the script itself printed. */
  stdout: string;
  /** Processes that made a socket call, in the order of their first socket call. */
  processes: ProcessTrace[];
}

/** strace could not run the script: not installed, or not allowed to trace here. */
export class TraceUnavailable extends Error {}

const LINE = /^(\d+\.\d+) (\w+)\((.*)\)\s+= (-?\d+|\?)(.*)$/;
const ADDRESS = /sin6?_port=htons\((\d+)\).*?(?:inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)")/;

function address(args: string): string | undefined {
  const match = ADDRESS.exec(args);
  if (!match) return undefined;
  return match[3] ? `[${match[3]}]:${match[1]}` : `${match[2]}:${match[1]}`;
}

const firstNumber = (args: string) => Number(/^(\d+)/.exec(args)?.[1]);
const secondNumber = (args: string) => Number(/^\d+,\s*(\d+)/.exec(args)?.[1]);

/**
 * The step of the notes' flow that a call on a socket is, in a few words; `udp` for a UDP
 * socket's. Steps name the flow they belong to in words, never by a number that could be read
 * as a client's.
 */
function stepOf(call: string, args: string, result: number, outcome: string, udp: boolean): string {
  const failed = result < 0 ? ` (${outcome.trim().split(' ')[0]})` : '';
  switch (call) {
    case 'socket':
      return `socket(): a new ${args.includes('SOCK_DGRAM') ? 'UDP' : 'TCP'} socket, fd ${result}`;
    case 'bind': {
      const asked = address(args) ?? 'an address';
      return `bind(): asks for ${asked}${asked.endsWith(':0') ? ', port 0: the kernel picks one' : ''}${failed}`;
    }
    case 'getsockname':
      return `getsockname(): the kernel gave it ${address(args) ?? 'an address'}`;
    case 'listen':
      return `listen(), backlog ${secondNumber(args)}: a listener now (server flow: socket → bind → listen)`;
    case 'accept':
    case 'accept4':
      return result >= 0
        ? `accept4(): a new socket, fd ${result}, for one client (server flow: accept; a 'connection' event)`
        : `accept4(): nothing taken${failed}`;
    case 'connect':
      return `connect() to ${address(args) ?? 'an address'} (client flow: socket → connect)${failed}`;
    case 'shutdown':
      return 'shutdown(): end(), a FIN: this side sends no more';
    case 'close':
      return 'close(): the descriptor is released';
    case 'setsockopt':
      return `setsockopt(): ${/SO_\w+|TCP_\w+|IPV6_\w+|IP_\w+/.exec(args)?.[0] ?? 'an option'}`;
    default:
      break;
  }
  const incoming = /^(read|readv|recvfrom|recvmsg|recvmmsg)$/.test(call);
  if (udp && result >= 0) {
    // recvmmsg() and sendmmsg() count datagrams; the others return one datagram's bytes.
    const what = call.endsWith('mmsg') ? `${result} datagram(s)` : `a datagram of ${result} bytes`;
    return `${call}(): ${what} ${incoming ? 'in' : 'out'}`;
  }
  if (incoming) {
    if (result === 0) return "read(): end of stream, the peer's FIN";
    return result > 0 ? `read(): ${result} bytes in` : `read(): nothing yet${failed}`;
  }
  return result >= 0 ? `write(): ${result} bytes out` : `write(): refused${failed}`;
}

/** One socket from the socket() or accept4() that made it to its close(), as the calls name it. */
interface SocketLife {
  kind: 'TCP socket' | 'UDP socket';
  /** The address it is bound to: bind()'s, with the port getsockname() reveals when bind() asked for 0. */
  bound?: string;
  listening: boolean;
  peer?: string;
  acceptedFrom?: number;
}

function roleOf(life: SocketLife): string {
  if (life.acceptedFrom !== undefined) return `accepted from fd ${life.acceptedFrom}`;
  if (life.listening) return `listener ${life.bound}`;
  if (life.peer) return `client of ${life.peer}`;
  return life.bound ? `${life.kind} bound to ${life.bound}` : life.kind;
}

/**
 * The socket calls of one process, from its threads' traces merged in time order (strace -ttt
 * lines). A descriptor counts from the socket() or accept4() that returned it until its close();
 * every other call on it is left out, as are waits before the process's first socket. Each step
 * is named by what its socket is by the end of its life, so a listener bound to port 0 shows the
 * port the kernel picked from its first call on.
 */
export function socketSteps(trace: string): TracedStep[] {
  const lives = new Map<number, SocketLife>();
  const steps: Array<TracedStep & { life?: SocketLife }> = [];
  for (const line of trace.split('\n')) {
    const match = LINE.exec(line);
    if (!match) continue;
    const [, time, call, args, resultText, outcome] = match;
    const result = Number(resultText);
    const text = `${call}(${args.length > 60 ? `${args.slice(0, 57)}...` : args}) = ${resultText}${outcome}`.trim();
    const at = Number(time);
    if (WAITS.has(call)) {
      if (lives.size > 0) steps.push({ call, time: at, text, result: resultText, step: waitStep(result) });
      continue;
    }
    const fd = call === 'socket' ? result : firstNumber(args);
    if (call === 'socket') {
      if (result < 0 || !/AF_INET6?\b/.test(args)) continue;
      lives.set(fd, { kind: args.includes('SOCK_DGRAM') ? 'UDP socket' : 'TCP socket', listening: false });
    }
    const life = lives.get(fd);
    if (!life) continue;
    const asked = address(args);
    // getsockname() is asked often (every server.address()); it is a step only when it tells something new.
    if (call === 'getsockname' && (result < 0 || !life.bound?.endsWith(':0') || asked === undefined)) continue;
    steps.push({
      call,
      time: at,
      fd,
      life,
      text,
      result: `${resultText}${outcome}`.trim(),
      step: stepOf(call, args, result, outcome, life.kind === 'UDP socket'),
    });
    if (call === 'bind' && result === 0) life.bound = asked;
    if (call === 'getsockname') life.bound = asked;
    if (call === 'listen' && result === 0) life.listening = true;
    if (call === 'connect') life.peer = asked;
    if ((call === 'accept4' || call === 'accept') && result >= 0)
      lives.set(result, { kind: 'TCP socket', listening: false, acceptedFrom: fd });
    if (call === 'close') lives.delete(fd);
  }
  return steps.map(({ life, ...step }) => (life ? { ...step, role: roleOf(life) } : step));
}

function waitStep(ready: number): string {
  return ready > 0
    ? `the event loop waited until ${ready} descriptor(s) were ready`
    : 'the event loop looked: nothing ready';
}

/**
 * strace's options for a trace of `calls` into `folder`: a file per thread (trace.TID), so that no
 * line is split into "<unfinished ...>" and "<... resumed>" halves by another thread's call; no
 * line about processes starting and ending, nor about signals (a profiler's SIGPROF, a child's
 * SIGCHLD), which would fall between the calls.
 */
export function straceOptions(folder: string, calls: readonly string[]): string[] {
  return ['-ff', '-qq', '-o', join(folder, 'trace'), '-e', `trace=${calls.join(',')}`, '-e', 'signal=none'];
}

/**
 * The trace's own options on top: each call stamped with its time (-ttt), so that the threads of a
 * process merge in order, and strings up to 200 characters, so that a command line reads whole.
 */
const STAMPED = ['-ttt', '-s', '200'];

/** Which traced thread belongs to which process, and what each process ran, from the lineage calls. */
export function lineageOf(traces: ReadonlyMap<number, string>): {
  processOf: (tid: number) => number;
  commands: Map<number, string>;
  parents: Map<number, number>;
} {
  const threadParent = new Map<number, number>();
  const parents = new Map<number, number>();
  const commands = new Map<number, string>();
  for (const [tid, trace] of traces)
    for (const line of trace.split('\n')) {
      const match = LINE.exec(line);
      if (!match) continue;
      const [, , call, args, resultText] = match;
      const child = Number(resultText);
      if (call === 'execve' && child === 0) commands.set(tid, commandOf(args));
      if (!['clone', 'clone3', 'fork', 'vfork'].includes(call) || !(child > 0)) continue;
      if (args.includes('CLONE_THREAD')) threadParent.set(child, tid);
      else parents.set(child, tid);
    }
  const processOf = (tid: number): number => {
    const leader = threadParent.get(tid);
    return leader === undefined ? tid : processOf(leader);
  };
  for (const [child, tid] of parents) parents.set(child, processOf(tid));
  return { processOf, commands, parents };
}

/** execve()'s argument list as a command line, the program by its name: "node scripts/03-accept.ts". */
function commandOf(execveArgs: string): string {
  const list = /\[(.*?)\]/.exec(execveArgs)?.[1] ?? '';
  const words = [...list.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map(([, word]) => word);
  const fromRoot = (word: string) => (word.startsWith(ROOT) ? word.slice(ROOT.length) : word);
  return [words[0]?.split('/').at(-1), ...words.slice(1).map(fromRoot)].join(' ');
}

/** Runs `script` (a number, "03") with `args` under strace and returns each process's socket calls. */
export async function traceScript(number: string, args: readonly string[] = []): Promise<TraceResult> {
  const entry = listEntries().find((candidate) => candidate.number === number.padStart(2, '0'));
  if (!entry)
    throw new UsageError(
      `no script numbered ${number}; they are ${listEntries()
        .map((e) => e.number)
        .join(', ')}`,
    );
  const strace = await findTool('strace');
  if (!strace) throw new TraceUnavailable('strace is not installed here (Debian: apt-get install strace)');
  const folder = await mkdtemp(join(tmpdir(), 'socket-trace-'));
  try {
    const run = await runTool(
      strace,
      [
        ...straceOptions(folder, [...TRACED, ...LINEAGE]),
        ...STAMPED,
        process.execPath,
        ...nodeArgsFor(entry.script, args),
      ],
      RUN_TIMEOUT_MS,
      ROOT,
    );
    const files = (await readdir(folder)).filter((name) => name.startsWith('trace.'));
    if (files.length === 0) {
      const why = run.stderr.split('\n').find((line) => line.startsWith('strace:')) ?? 'strace traced nothing';
      throw new TraceUnavailable(`strace may not trace here: ${why.replace(/^strace: /, '')}`);
    }
    const traces = new Map(
      await Promise.all(
        files.map(
          async (name) => [Number(name.slice('trace.'.length)), await readFile(join(folder, name), 'utf8')] as const,
        ),
      ),
    );
    return { script: entry.script, args: [...args], code: run.code, stdout: run.stdout, processes: byProcess(traces) };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** Each process's threads merged in time order, its socket steps, and processes by their first socket call. */
export function byProcess(traces: ReadonlyMap<number, string>): ProcessTrace[] {
  const { processOf, commands, parents } = lineageOf(traces);
  const linesOf = new Map<number, string[]>();
  for (const [tid, trace] of traces) {
    const pid = processOf(tid);
    linesOf.set(pid, [...(linesOf.get(pid) ?? []), ...trace.split('\n').filter((line) => LINE.test(line))]);
  }
  const stamp = (line: string) => Number(line.slice(0, line.indexOf(' ')));
  return [...linesOf]
    .map(([pid, lines]) => ({
      pid,
      command: commands.get(pid) ?? 'a process started before the trace',
      parent: parents.get(pid),
      steps: socketSteps(lines.sort((a, b) => stamp(a) - stamp(b)).join('\n')),
    }))
    .filter((process) => process.steps.some((step) => step.fd !== undefined))
    .sort((a, b) => firstSocketTime(a) - firstSocketTime(b));
}

const firstSocketTime = (process: ProcessTrace) => process.steps.find((step) => step.fd !== undefined)!.time;

/**
 * Each process's calls, waits in a row folded into one line, at most `limit` lines per process,
 * then how many of each call it made.
 */
export function renderTrace(result: TraceResult, limit = DEFAULT_LIMIT): string {
  const lines = [
    `trace: ${['node', result.script, ...result.args].join(' ')}, under strace -ff: the socket calls, ` +
      'one block per process, in the order of their first socket call',
  ];
  for (const { pid, command, parent, steps } of result.processes) {
    const startedBy = parent === undefined ? '' : ` (started by process ${parent})`;
    lines.push('', `process ${pid}, ${command}${startedBy}:`);
    const shown: string[] = [];
    let waits = 0;
    const flushWaits = () => {
      if (waits > 0)
        shown.push(
          `  ${waits > 1 ? `${waits} waits` : '1 wait'} in epoll: the event loop sleeps until a socket is ready`,
        );
      waits = 0;
    };
    for (const step of steps) {
      if (WAITS.has(step.call)) {
        waits++;
        continue;
      }
      flushWaits();
      shown.push(`  fd ${step.fd} ${step.role}: ${step.step}`);
    }
    flushWaits();
    lines.push(...shown.slice(0, limit));
    if (shown.length > limit) lines.push(`  … ${shown.length - limit} more lines (--limit N shows more)`);
    const counts = new Map<string, number>();
    for (const step of steps) counts.set(step.call, (counts.get(step.call) ?? 0) + 1);
    lines.push(`  calls: ${[...counts].map(([call, count]) => `${call} ${count}`).join(', ')}`);
  }
  lines.push('', `trace: the script exited with ${result.code}`);
  return lines.join('\n');
}

const USAGE = `
Usage: npm run trace -- NN [--limit N] [script flags]

Runs scripts/NN-*.ts under strace (one file per thread) and prints the socket system calls each
of its processes made, each with the step of the notes' flow it is, and the event loop's waits
between them.
Flags after NN that are not --limit go to the script: npm run trace -- 12 --clients 20.

--limit N   lines per process before the rest is counted only (default ${DEFAULT_LIMIT})
--help      show this text`;

export async function trace(argv: readonly string[]): Promise<number> {
  const [number, ...rest] = argv;
  if (number === '--help' || number === '-h') {
    process.stdout.write(`${USAGE.trim()}\n`);
    return 0;
  }
  if (number === undefined) throw new UsageError('say which script to trace, by its number: npm run trace -- 03');
  if (!/^\d{1,2}$/.test(number)) throw new UsageError(`the first argument is a script's number (03), not "${number}"`);
  const at = rest.indexOf('--limit');
  const { values } = parseFlags(at >= 0 ? rest.slice(at, at + 2) : [], { limit: { type: 'string' } });
  const limit = values.limit === undefined ? DEFAULT_LIMIT : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit must be a whole number above 0, got "${values.limit}"`);
  const scriptArgs = at >= 0 ? [...rest.slice(0, at), ...rest.slice(at + 2)] : rest;
  try {
    const result = await traceScript(number, scriptArgs);
    process.stdout.write(`${renderTrace(result, limit)}\n`);
    return result.code ?? 1;
  } catch (error) {
    if (!(error instanceof TraceUnavailable)) throw error;
    process.stdout.write(`trace: ${error.message}\n`);
    return 1;
  }
}

if (isMain(import.meta.url)) await runMain(() => trace(process.argv.slice(2)));
