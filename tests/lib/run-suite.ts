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
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { ROOT } from './transcript.ts';

/** Most of these files' time is spent waiting on kernel timers or child processes, not on the CPU. */
const WAITING_FIRST = [
  'tests/challenge.test.ts', // servers under attack, each step bounded by a wait on the server
  'tests/16-dead-peer.test.ts', // retransmissions and keepalive probes until the kernel gives up
  'tests/fix.test.ts', // shipped programs that hang, run until their check's timeout
  'tests/fix-wrong.test.ts', // wrong fixes, most of them run until their check's timeout
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
run({ files, concurrency: FILES_AT_ONCE })
  // As node --test does: any file or test that did not pass makes the exit code 1.
  .on('test:summary', (summary) => {
    if (!summary.success) process.exitCode = 1;
  })
  .compose(spec)
  .pipe(process.stdout);
