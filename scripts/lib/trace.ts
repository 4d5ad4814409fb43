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
const WAITS = new Set(['epoll_wait', 'epoll_pwait', 'epoll_pwait2']);
const RUN_TIMEOUT_MS = 120_000;
const DEFAULT_LIMIT = 60;

/** One system call on a socket, or one wait of the event loop, with the step of the notes it is. */
export interface TracedStep {
  call: string;
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

export interface ThreadTrace {
  tid: number;
  steps: TracedStep[];
}

export interface TraceResult {
  script: string;
  args: string[];
  code: number | null;
  /** What the script itself printed. */
  stdout: string;
  /** Threads that made a socket call, in the order of their ids. */
  threads: ThreadTrace[];
}

/** strace could not run the script: not installed, or not allowed to trace here. */
export class TraceUnavailable extends Error {}

const LINE = /^(\w+)\((.*)\)\s+= (-?\d+|\?)(.*)$/;
const ADDRESS = /sin6?_port=htons\((\d+)\).*?(?:inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)")/;

function address(args: string): string {
  const match = ADDRESS.exec(args);
  if (!match) return 'an address';
  return match[3] ? `[${match[3]}]:${match[1]}` : `${match[2]}:${match[1]}`;
}

const firstNumber = (args: string) => Number(/^(\d+)/.exec(args)?.[1]);

/** The step of the notes' flow that a call on a socket is, in a few words; `udp` for a UDP socket's. */
function stepOf(call: string, args: string, result: number, outcome: string, udp: boolean): string {
  const failed = result < 0 ? ` (${outcome.trim().split(' ')[0]})` : '';
  switch (call) {
    case 'socket':
      return `1. socket(): a new ${args.includes('SOCK_DGRAM') ? 'UDP' : 'TCP'} socket, fd ${result}`;
    case 'bind':
      return `2. bind(): give the socket its IP and port, ${address(args)}${failed}`;
    case 'listen':
      return '3. listen(): a listener now; server.listen() was socket() + bind() + listen()';
    case 'accept':
    case 'accept4':
      return result >= 0
        ? `4. accept(): a new socket, fd ${result}, for one client (a 'connection' event)`
        : `accept(): nothing taken${failed}`;
    case 'connect':
      return `client 2. connect(): try the server's IP and port, ${address(args)}${failed}`;
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

/**
 * The socket calls of one thread's trace, in order. A descriptor counts from the socket() or
 * accept4() that returned it until its close(); every other call on it is left out, as are waits
 * before the thread's first socket.
 */
export function socketSteps(trace: string): TracedStep[] {
  const roles = new Map<number, string>();
  const steps: TracedStep[] = [];
  for (const line of trace.split('\n')) {
    const match = LINE.exec(line);
    if (!match) continue;
    const [, call, args, resultText, outcome] = match;
    const result = Number(resultText);
    const text = `${call}(${args.length > 60 ? `${args.slice(0, 57)}...` : args}) = ${resultText}${outcome}`.trim();
    if (WAITS.has(call)) {
      if (roles.size > 0) steps.push({ call, text, result: resultText, step: waitStep(result) });
      continue;
    }
    const fd = call === 'socket' ? result : firstNumber(args);
    if (call === 'socket') {
      if (result < 0 || !/AF_INET6?\b/.test(args)) continue;
      roles.set(fd, args.includes('SOCK_DGRAM') ? 'UDP socket' : 'TCP socket');
    } else if (!roles.has(fd)) {
      continue;
    }
    const role = roles.get(fd);
    steps.push({
      call,
      fd,
      role,
      text,
      result: `${resultText}${outcome}`.trim(),
      step: stepOf(call, args, result, outcome, role?.startsWith('UDP') ?? false),
    });
    if (call === 'bind' && result === 0) roles.set(fd, `${roles.get(fd)} bound to ${address(args)}`);
    if (call === 'listen' && result === 0)
      roles.set(fd, `listener (${roles.get(fd)?.replace(/^TCP socket bound to /, '')})`);
    if (call === 'connect') roles.set(fd, `client of ${address(args)}`);
    if ((call === 'accept4' || call === 'accept') && result >= 0) roles.set(result, `accepted from fd ${fd}`);
    if (call === 'close') roles.delete(fd);
  }
  return steps;
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

/** Runs `script` (a number, "03") with `args` under strace and returns each thread's socket calls. */
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
      [...straceOptions(folder, TRACED), process.execPath, ...nodeArgsFor(entry.script, args)],
      RUN_TIMEOUT_MS,
      ROOT,
    );
    const files = (await readdir(folder)).filter((name) => name.startsWith('trace.'));
    if (files.length === 0) {
      const why = run.stderr.split('\n').find((line) => line.startsWith('strace:')) ?? 'strace traced nothing';
      throw new TraceUnavailable(`strace may not trace here: ${why.replace(/^strace: /, '')}`);
    }
    const threads = await Promise.all(
      files.map(async (name) => ({
        tid: Number(name.slice('trace.'.length)),
        steps: socketSteps(await readFile(join(folder, name), 'utf8')),
      })),
    );
    return {
      script: entry.script,
      args: [...args],
      code: run.code,
      stdout: run.stdout,
      threads: threads.filter((thread) => thread.steps.length > 0).sort((a, b) => a.tid - b.tid),
    };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/**
 * Each thread's calls, waits in a row folded into one line, at most `limit` lines per thread, then
 * how many of each call the thread made.
 */
export function renderTrace(result: TraceResult, limit = DEFAULT_LIMIT): string {
  const lines = [`trace: ${['node', result.script, ...result.args].join(' ')}, under strace -ff: the socket calls`];
  for (const { tid, steps } of result.threads) {
    lines.push('', `thread ${tid}:`);
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

Runs scripts/NN-*.ts under strace (one file per thread) and prints the socket system calls it
made, each with the step of the notes' flow it is, and the event loop's waits between them.
Flags after NN that are not --limit go to the script: npm run trace -- 12 --clients 20.

--limit N   lines per thread before the rest is counted only (default ${DEFAULT_LIMIT})
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
