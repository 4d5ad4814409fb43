/**
 * `npm test`: every tests/*.test.ts (or the test files named on the command line), six files at a
 * time, each in a process of its own, reported by the spec reporter.
 *
 * Why not `node --test tests/*.test.ts`: node --test sorts the files it is given by name
 * (createTestFileList() in lib/internal/test_runner/runner.js ends in a sort), so 16-dead-peer,
 * which waits 7 to 9 s on retransmission and keepalive timers, would start only after 01 to 15
 * and the suite would end waiting for it. run() starts its `files` in the order given, so the files
 * that mostly wait on the kernel go first and their waits overlap the other files' work.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { stretchedByLoad } from '../../scripts/lib/wait.ts';
import { ENGLISH_LOCALE, findPython3 } from './terminal.ts';
import { ROOT } from './transcript.ts';

/** Most of these files' time is spent waiting on kernel timers or child processes, not on the CPU. */
const WAITING_FIRST = [
  'tests/16-dead-peer.test.ts', // retransmissions and keepalive probes until the kernel gives up
  'tests/fix.test.ts', // shipped programs that hang, run until their check's timeout
  'tests/05-connect.test.ts', // SYNs to a full accept queue, retransmitted until the kernel gives up
  'tests/exercise.test.ts', // a whole test file run again as an exercise's claims
  'tests/stopping.test.ts', // npx and tsx started as a learner starts them
  'tests/13-fan-out-processes.test.ts', // worker processes started three times
  'tests/04-listen-backlog.test.ts', // a dropped SYN, retransmitted a second later
];
/**
 * On this 2-core machine: four at a time left the CPUs idle 1.3 to 1.7 s of a run, six 0.5 to 0.9 s,
 * eight about the same as six (idle time from /proc/stat, six runs of four and six, three of eight).
 */
const FILES_AT_ONCE = 6;

/**
 * The whole run's bound. run({ timeout }) bounds each test, not a test file's process: one that
 * never exits (a handle left open) would keep npm test, and CI, waiting for ever. The suite takes 1
 * to 3 minutes on this machine, idle or busy; the bound, stretched by load up to twice, is far
 * beyond that. SUITE_BOUND_MS sets it (tests/tooling.test.ts proves the bound with a file that hangs).
 */
const SUITE_BOUND_MS = Number(process.env.SUITE_BOUND_MS ?? stretchedByLoad(20 * 60_000, 2));

const USAGE = 'npm test [-- tests/NN-slug.test.ts ...]';

/** Exits with one line, as the scripts do: 2 for what the caller typed, 1 for the suite's own fault. */
function fail(line: string, code: 1 | 2): never {
  console.error(`npm test: ${line}`);
  process.exit(code);
}

function suiteFiles(): string[] {
  const everyFile = readdirSync(join(ROOT, 'tests'))
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => `tests/${name}`)
    .sort();
  const missing = WAITING_FIRST.filter((file) => !everyFile.includes(file));
  if (missing.length > 0) fail(`${missing.join(', ')} listed to start first, but not in tests/`, 1);
  return [...WAITING_FIRST, ...everyFile.filter((file) => !WAITING_FIRST.includes(file))];
}

function namedFiles(args: string[]): string[] {
  const wrong = args.find((arg) => !arg.endsWith('.test.ts') || !existsSync(arg));
  if (wrong !== undefined) fail(`${JSON.stringify(wrong)} is not a test file; usage: ${USAGE}`, 2);
  return args.map((arg) => resolve(arg));
}

const args = process.argv.slice(2);
const files = args.length > 0 ? namedFiles(args) : suiteFiles().map((file) => join(ROOT, file));
// The claims are checked in English whatever the learner's locale (a Korean one makes the runners
// speak Korean): the tests of the Korean runs set KOREAN_LOCALE themselves.
for (const [name, value] of Object.entries(ENGLISH_LOCALE)) {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

// Found once for every file that types into a pseudo-terminal (see PYTHON3 in terminal.ts).
process.env.SOCKET_NOTES_PYTHON3 ||= findPython3();

/** The test files whose process has started and not yet ended. */
const running = new Set<string>();
const isFile = (test: { name: string; file?: string; nesting: number }) =>
  test.nesting === 0 && test.name === test.file;

/** Ends the test files' processes that are still running (Linux lists a process's children). */
function endChildren(): void {
  try {
    const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(' ');
    for (const pid of children.filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
  } catch {
    // No such list here: the processes end when their IPC channel closes with this one.
  }
}

setTimeout(() => {
  const files = [...running].map((file) => (file.startsWith(ROOT) ? relative(ROOT, file) : file)).join(', ');
  console.error(`npm test: still waiting after ${SUITE_BOUND_MS} ms for ${files} to exit (a handle left open?)`);
  endChildren();
  process.exit(1);
}, SUITE_BOUND_MS).unref();

run({ files, concurrency: FILES_AT_ONCE })
  .on('test:dequeue', (test) => {
    if (isFile(test)) running.add(test.name);
  })
  .on('test:complete', (test) => {
    if (isFile(test)) running.delete(test.name);
  })
  // As node --test does: any file or test that did not pass makes the exit code 1.
  .on('test:summary', (summary) => {
    if (!summary.success) process.exitCode = 1;
  })
  .compose(spec)
  .pipe(process.stdout);
