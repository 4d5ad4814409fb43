/**
 * `npm run exercise`: questions asked before the demo, answered by the kernel after it, progress
 * kept between runs. Run as a learner runs it: on a real terminal, with --answers, and with neither.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { listEntries, sectionTitle, selectEntries } from '../scripts/lib/catalog.ts';
import { UsageError } from '../scripts/lib/cli.ts';
import { exercise, type ExerciseIo, loadConcept, nextSteps } from '../scripts/lib/exercise.ts';
import type { AnyExercise } from '../scripts/lib/questions.ts';
import { stretchedByLoad } from '../scripts/lib/wait.ts';
import { ENGLISH_LOCALE, NOT_UNDER_A_RUNNER, onATerminal } from './lib/terminal.ts';
import { ROOT, runScript } from './lib/transcript.ts';

const RUN_TIMEOUT_MS = stretchedByLoad(30_000);
/** Claims of which one passes, one is skipped and one fails (not part of npm test). */
const ONE_CLAIM_FAILS = 'tests/probes/claims-one-fails.ts';

const scratch = await mkdtemp(join(tmpdir(), 'socket-notes-progress-'));
test.after(() => rm(scratch, { recursive: true, force: true }));
let files = 0;
/** A progress file of its own for each test, so no test sees another's answers. */
const progressFile = () => join(scratch, `progress-${++files}.json`);

/** Runs the exercise in this process, without a terminal, and returns what it wrote. */
async function exerciseHere(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  let written = '';
  const io: ExerciseIo = {
    input: new PassThrough(),
    terminal: false,
    write: (text) => (written += text),
    env: { ...env, SOCKET_NOTES_PROGRESS: env.SOCKET_NOTES_PROGRESS ?? progressFile() },
  };
  assert.equal(await exercise(args, io), 0);
  return written;
}

const exercises = await Promise.all(
  listEntries().map(async (entry) => {
    const module = (await import(join(ROOT, entry.lab))) as { EXERCISE?: AnyExercise };
    return { entry, exercise: module.EXERCISE };
  }),
);

test('every concept asks at least two questions, at least 25 in all, each id once within its script', () => {
  let total = 0;
  for (const { entry, exercise: concept } of exercises) {
    assert.ok(concept, `${entry.script} exports an EXERCISE`);
    assert.ok(concept.questions.length >= 2, `${entry.script} asks ${concept.questions.length}`);
    const ids = concept.questions.map((question) => question.id);
    assert.equal(new Set(ids).size, ids.length, `${entry.script}: ids ${ids.join(', ')}`);
    for (const question of concept.questions) {
      if (question.kind === 'choice') assert.ok(question.options.length >= 2, `${entry.script} ${question.id}`);
      // The section a learner is sent to read exists (it throws otherwise).
      sectionTitle(question.notes ?? entry.notes);
    }
    total += concept.questions.length;
  }
  assert.ok(total >= 25, `${total} questions`);
});

test('on a terminal: asks first, again after a bad answer, then marks each against the kernel', async () => {
  const progress = progressFile();
  // 03 with CLIENTS=3: 4 rows on the port, the listener's port, 7 descriptors. Typed: a typo, one right, two wrong.
  const run = await onATerminal('scripts/lib/exercise.ts', ['03', '--no-claims'], 'x\n4\nc\n9\n', {
    ...ENGLISH_LOCALE,
    CLIENTS: '3',
    SOCKET_NOTES_PROGRESS: progress,
  });
  assert.equal(run.code, 0, run.output);
  const asked = run.output.indexOf('1. 3 clients connect');
  const ran = run.output.indexOf('The demo, as the kernel ran it');
  assert.ok(asked >= 0 && ran > asked, 'the question comes before the demo');
  assert.match(run.output, /"x" is not a whole number\./);
  assert.match(run.output, /^1\. right: 4\r?$/m);
  assert.match(run.output, /^2\. wrong: you said c\) the client's port; the kernel: a\) the listener's port\r?$/m);
  assert.match(run.output, /^3\. wrong: you said 9; the kernel: 7\r?$/m);
  assert.match(run.output, /^ {3}read: NOTES\.md §3\.1 A socket is a file descriptor \(07-socket-descriptor\)\r?$/m);
  assert.match(run.output, /^1 of 3 right at CLIENTS=3\.\r?$/m);
  assert.deepEqual(JSON.parse(await readFile(progress, 'utf8')), { '03': { 'server-sockets': ['CLIENTS=3'] } });
});

test('--answers: right answers marked right, the claims summed up in one line, progress kept', async () => {
  const progress = progressFile();
  // 07 with FILES=3: the lowest free number, three files two apart, the freed number reused.
  const run = await runScript('scripts/lib/exercise.ts', ['7', '--answers', 'a,2,a'], {
    env: { ...NOT_UNDER_A_RUNNER, ...ENGLISH_LOCALE, FILES: '3', SOCKET_NOTES_PROGRESS: progress },
    timeoutMs: RUN_TIMEOUT_MS,
  });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^3 of 3 right at FILES=3\.$/m);
  // FILES=3 is not the default, so the one claim about NOTES.md's diagram (drawn at the default) skips.
  assert.match(run.stdout, /^Claims: \d+ of \d+ passed, 1 skipped \(--verbose says why\), none failed\.$/m);
  assert.doesNotMatch(run.stdout, /returns a new descriptor, not the listener's/, 'no passing claim is printed');
  assert.match(run.stdout, /^ {2}FILES=5 npm run exercise -- 07 {3}\(this run: FILES=3\)$/m, 'advice: another value');

  // The listing reads what that learner's run wrote (in this process: the same code path as the command).
  const list = await exerciseHere([], { SOCKET_NOTES_PROGRESS: progress });
  assert.match(list, /^07: +basics +A socket is a file descriptor.*: 3 of 3 predicted right$/m);
  assert.match(list, /^01: basics .*: 0 of 2 predicted right$/m);
  assert.match(list, /^12: deeper .*predicted right$/m);
  assert.match(list, /^Next: npm run exercise -- 01$/m);
});

test('after the verdict, the claims report in one line and a failing one in full; --verbose shows all', async () => {
  const env = { ...NOT_UNDER_A_RUNNER, KNOB: '7' };
  const quiet = await runScript('tests/probes/report-claims.ts', [ONE_CLAIM_FAILS], { env });
  assert.equal(quiet.code, 1, `a failed claim fails the run: ${quiet.stderr}`);
  const summary = 'Claims: 1 of 3 passed, 1 skipped (--verbose says why), 1 failed (shown below).';
  assert.ok(quiet.stdout.includes(`${summary}\n✖ failed: a claim that fails\n`), quiet.stdout);
  assert.match(quiet.stdout, /one and one make three/, 'the failure, in full');
  assert.doesNotMatch(quiet.stdout, /a claim that passes|nothing to check/, 'passing and skipped claims not printed');

  const verbose = await runScript('tests/probes/report-claims.ts', [ONE_CLAIM_FAILS, '--verbose'], { env });
  assert.equal(verbose.code, 1, verbose.stderr);
  assert.match(verbose.stdout, /a claim that passes, run with KNOB=7/, 'every claim, run with the knobs given');
  assert.match(verbose.stdout, /a claim that is skipped.*nothing to check on this machine/);
  assert.match(verbose.stdout, /^Claims: 1 of 3 passed/m);
});

test('without a terminal or answers: every question shown with the answer this run measured', async () => {
  const text = await exerciseHere(['01', '--no-claims'], {});
  assert.match(text, /^The questions, answered by the kernel:$/m);
  assert.match(text, /^1\. A server process listens and one client connects/m);
  assert.match(text, /^ {3}the kernel: 3$/m);
  assert.match(text, /^ {3}the kernel: b\) a port the kernel picked for it/m);
});

test("a knob changes the kernel's answers: a repeated exercise is a new prediction", async () => {
  for (const clients of [2, 5]) {
    const text = await exerciseHere(['03', '--no-claims', '--answers', `${clients + 1},?,?`], {
      CLIENTS: String(clients),
    });
    assert.match(text, new RegExp(`^1\\. right: ${clients + 1}$`, 'm'), `CLIENTS=${clients}`);
    assert.match(text, new RegExp(`^3\\. skipped; the kernel: ${1 + 2 * clients}$`, 'm'), `CLIENTS=${clients}`);
  }
});

test('knob advice keeps to the rule between knobs (04: EXTRA at most BACKLOG + 1)', async () => {
  const advice = nextSteps(await loadConcept(selectEntries(['04'])[0]), { BACKLOG: 1, EXTRA: 2 });
  assert.match(advice, /^ {2}BACKLOG=3 npm run exercise -- 04 {3}\(this run: BACKLOG=1\)$/m);
  assert.match(advice, /^ {2}EXTRA=1 npm run exercise -- 04 {3}\(this run: EXTRA=2\)$/m);
});

test('a concept without knobs says so after the run', async () => {
  const advice = nextSteps(await loadConcept(selectEntries(['09'])[0]), {});
  assert.match(advice, /^This concept has no knobs/m);
  assert.match(advice, /^Read: NOTES\.md §4\.1 The 3-way handshake/m);
});

test('bad answers without a terminal: one error line naming the answer, exit 2, before any demo', async () => {
  // One as a learner's command (the exit code and the one line); the rest in this process, the same code path.
  const run = await runScript('scripts/lib/exercise.ts', ['03', '--answers', '4,z,?'], {
    env: { ...ENGLISH_LOCALE, SOCKET_NOTES_PROGRESS: progressFile() },
  });
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stderr, 'error: answer 2 ("z") should be one of a, b, c\n');
  assert.doesNotMatch(run.stdout, /The demo/);
  for (const [answers, message] of [
    ['four,a,7', 'answer 1 ("four") should be a whole number'],
    ['4,a', '03 asks 3 questions; --answers gave 2 (write ? to skip one)'],
  ]) {
    const written: string[] = [];
    const io: ExerciseIo = {
      input: new PassThrough(),
      terminal: false,
      write: (text) => written.push(text),
      env: { SOCKET_NOTES_PROGRESS: progressFile() },
    };
    await assert.rejects(
      exercise(['03', '--answers', answers], io),
      (error: Error) => error instanceof UsageError && error.message === message,
    );
    assert.doesNotMatch(written.join(''), /The demo/);
  }
});

test('an exercise names one concept; an unknown flag or one given twice is a usage error', async () => {
  const env = { SOCKET_NOTES_PROGRESS: progressFile() };
  const io = { input: new PassThrough(), terminal: false, write: () => {}, env };
  await assert.rejects(
    exercise(['03', '04'], io),
    (error: Error) => error instanceof UsageError && /^name one concept/.test(error.message),
  );
  await assert.rejects(
    exercise(['03', '--answer', '4'], io),
    (error: Error) => error instanceof UsageError && /usage: npm run exercise/.test(error.message),
  );
  await assert.rejects(
    exercise(['03', '--answers', '4,a,7', '--answers', '4,a,8'], io),
    (error: Error) => error instanceof UsageError && /^--answers is given twice/.test(error.message),
  );
});

test('a progress file that is not JSON is reported, not overwritten', async () => {
  const progress = progressFile();
  await writeFile(progress, 'not json');
  const run = await runScript('scripts/lib/exercise.ts', [], { env: { SOCKET_NOTES_PROGRESS: progress } });
  assert.equal(run.code, 1);
  assert.equal(run.stderr, `error: the progress file ${progress} is not JSON; move it away to start afresh\n`);
  assert.equal(await readFile(progress, 'utf8'), 'not json');
});
