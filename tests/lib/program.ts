/**
 * A learner's program, run as its own process the way the learner runs it, for a fix-the-bug
 * check: its stdout read line by line, everything it printed kept for the verdict, every wait
 * bounded, and the process killed when the check is done with it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { nodeArgsFor } from '../../scripts/lib/child.ts';
import { type InEach, same } from '../../scripts/lib/questions.ts';
import { stretchedByLoad, TimedOut, within } from '../../scripts/lib/wait.ts';
import { notInstalled, packageOf } from './tools.ts';

/** Lines of a stream, one at a time, each wait bounded; undefined once the stream has ended. */
export interface LineReader {
  next(ms: number): Promise<string | undefined>;
}

/** `promise`'s value, or undefined once `ms` have passed without one (a check says what it missed). */
const settledWithin = <T>(promise: Promise<T>, ms: number): Promise<T | undefined> =>
  within(promise, ms, 'the program').catch(() => undefined);

/**
 * Reads `stream` as lines; a wait that runs out resolves with undefined too (the caller says what it
 * missed). Its read stays pending and the next wait takes it over, so a line that comes late is the
 * next one returned, not lost.
 */
export function readLines(stream: Readable): LineReader {
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })[Symbol.asyncIterator]();
  let pending: Promise<string | undefined> | undefined;
  return {
    next(ms) {
      pending ??= lines.next().then((result) => {
        pending = undefined;
        return result.done ? undefined : result.value;
      });
      return settledWithin(pending, ms);
    },
  };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningProgram {
  readonly pid: number;
  /** Its stdout, line by line. */
  readonly stdout: LineReader;
  /** Everything it printed so far, stdout and stderr interleaved as they came. */
  transcript(): string;
  /** Its exit, waiting at most `ms`; undefined if it is still running then. */
  exit(ms: number): Promise<Exit | undefined>;
  /** Kills it if it still runs and waits until it has exited. */
  stop(): Promise<void>;
}

/** The programs started here that have not ended yet. */
const unended = new Set<ChildProcess>();
// A process of ours that ends takes its programs with it: one that crashes (npm run challenge -- 4 | head,
// whose next write fails with EPIPE) would leave the learner's server running with no parent.
process.on('exit', () => {
  for (const child of unended) child.kill('SIGKILL');
});

/**
 * Starts `file` with this Node and `args`, behind `wrapper` when given (a command that runs the
 * rest of its arguments: `prlimit --nofile=64:64`, `unshare --mount …`), with `env` added to this
 * process's environment (a challenge's PORT and HOST).
 */
export function startProgram(
  file: string,
  args: readonly string[] = [],
  wrapper: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
): RunningProgram {
  const node = [process.execPath, ...nodeArgsFor(file, args)];
  const [command, ...rest] = [...wrapper, ...node];
  const child = spawn(command, rest, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let transcript = '';
  child.stdout.on('data', (chunk: Buffer) => (transcript += chunk));
  child.stderr.on('data', (chunk: Buffer) => (transcript += chunk));
  // A program that cannot even start (a wrapper that is missing) still ends: as an exit with code 127.
  child.on('error', (error) => (transcript += `${error.message}\n`));
  unended.add(child);
  const exited = new Promise<Exit>((resolve) => {
    child.on('close', (code, signal) => {
      unended.delete(child);
      resolve({ code: code ?? (signal ? null : 127), signal });
    });
  });
  const program: RunningProgram = {
    pid: child.pid ?? 0,
    stdout: readLines(child.stdout),
    transcript: () => transcript,
    exit: (ms) => settledWithin(exited, ms),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  return program;
}

/**
 * How long a program may take to start: on a fresh clone there is no compile cache yet, and the
 * suite runs many processes at once on two cores: 15 s, longer on a loaded machine (taken when
 * this module loads). Only a program that never starts waits this out.
 */
export const START_MS = stretchedByLoad(15_000);

/**
 * How long a check waits for one step of a running program (a line printed, an exit, a reply): a
 * loopback round trip is well under a millisecond, so 2 s idle, stretched by load up to three
 * times; a learner's first npm test at load 8 on two cores saw fix 8's solution miss a fixed 2 s.
 */
export const STEP_MS = stretchedByLoad(2000, 3);

/** What went wrong in a check, said in each language (its message is the English). */
export class CheckFailure extends Error {
  readonly said: InEach<string>;
  constructor(said: InEach<string>) {
    super(said.en);
    this.said = said;
  }
}

/**
 * A bounded wait of a check (from wait.ts), given `what` in English; when it runs out, a CheckFailure
 * says so in each language. `what.ko` is what did not happen, as a sentence's end: '연결되지 않았습니다'.
 * Other failures (an 'error' event) pass as they are.
 */
export async function waited<T>(what: InEach<string>, wait: (what: string) => Promise<T>): Promise<T> {
  try {
    return await wait(what.en);
  } catch (error) {
    if (!(error instanceof TimedOut)) throw error;
    throw new CheckFailure({ en: error.message, ko: `${error.ms} ms 동안 기다렸지만 ${what.ko}` });
  }
}

/** Why a check cannot run here, in each language: `tool` is missing (tests/lib/tools.ts names its package). */
export const missingTool = (tool: string): { cannotCheck: InEach<string> } => ({
  cannotCheck: {
    en: notInstalled(tool),
    ko: `${tool} 명령이 설치되어 있지 않습니다 (apt-get install ${packageOf(tool)})`,
  },
});

/**
 * The port a server program says it listens on ("listening on 127.0.0.1:PORT" or "… ADDRESS port
 * PORT"); a CheckFailure when it does not say so within `ms`.
 */
export async function listeningPort(program: RunningProgram, ms = START_MS): Promise<number> {
  const line = await program.stdout.next(ms);
  const port = line && /^listening on \S+?(?::| port )(\d+)$/.exec(line)?.[1];
  if (!port)
    throw new CheckFailure({
      en: 'it never said where it listens',
      ko: '프로그램이 어느 주소와 포트에서 연결을 기다리는지 끝내 출력하지 않았습니다',
    });
  return Number(port);
}

/**
 * A failed check's verdict: what went wrong, and what the program printed. An error other than a
 * CheckFailure (Node's own, such as "connect ECONNREFUSED …") is quoted as Node said it.
 */
export function failed(error: unknown, program: RunningProgram): { passed: false; saw: InEach<string> } {
  const { message } = error as Error;
  const said = error instanceof CheckFailure ? error.said : { en: message, ko: `오류가 났습니다: ${message}` };
  const printed = tailInEach(program);
  return { passed: false, saw: { en: `${said.en}: ${printed.en}`, ko: `${said.ko}: ${printed.ko}` } };
}

const NOTHING_PRINTED: InEach<string> = { en: '(it printed nothing)', ko: '(프로그램이 아무것도 출력하지 않았습니다)' };

/**
 * What a program printed, for a verdict: the error it died of where there is one (the first line
 * of a stack trace, with Node's note that no 'error' listener took it, and the first place in the
 * learner's own file the trace names), else its last lines, as the learner would see them.
 */
export function tail(program: RunningProgram, lines = 3): string {
  return lastWords(program, lines) ?? NOTHING_PRINTED.en;
}

/** `tail` in each language: what the program printed is quoted as it is, only "it printed nothing" is said. */
export function tailInEach(program: RunningProgram, lines = 3): InEach<string> {
  const words = lastWords(program, lines);
  return words === undefined ? NOTHING_PRINTED : same(words);
}

/**
 * Whether the program died of an uncaught exception: Node ends what it prints then with its
 * version line ("Node.js v26.10.0"). Its exit code is 1 too, but it is a crash, not a choice.
 */
export const crashed = (program: RunningProgram): boolean => /^Node\.js v\d+\.\d+\.\d+$/m.test(program.transcript());

function lastWords(program: RunningProgram, lines: number): string | undefined {
  const text = program.transcript().trim();
  const died = /^(?:\w*Error|Error)\b.*$/m.exec(text);
  if (!died) return text === '' ? undefined : text.split('\n').slice(-lines).join(' | ');
  // Node writes "throw er; // Unhandled 'error' event" above an error event nobody listened for.
  const unhandled = text.slice(0, died.index).includes("Unhandled 'error' event") ? "unhandled 'error' event: " : '';
  // A frame outside Node's own code ("at … (file:///…/03-reversed-frames.ts:20:31)"), as file:line:column.
  const frames = text
    .slice(died.index)
    .split('\n')
    .filter((line) => /^\s+at /.test(line) && !line.includes('node:'));
  const place = frames[0] ? /([^/(\s]+:\d+:\d+)\)?$/.exec(frames[0])?.[1] : undefined;
  return `${unhandled}${died[0]}${place ? ` (at ${place})` : ''}`;
}
