/**
 * The challenge checkers are proved on servers whose verdict is known: each level's reference
 * solution passes every attack, its starter fails, and each known-wrong server in
 * tests/challenge/wrong/ fails exactly the attack its header names, and no other. Also
 * `npm run challenge` as a learner uses it.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { headerTags, sectionTitle } from '../../scripts/lib/catalog.ts';
import { challenge, listLevels, loadLevel, renderStep, renderWire } from '../../scripts/lib/challenge.ts';
import type { Report } from '../../scripts/lib/challenge-check.ts';
import { UsageError } from '../../scripts/lib/cli.ts';
import { runTool } from '../../scripts/lib/tools.ts';
import { startAllowanceMs } from '../../scripts/lib/child.ts';
import { onceWithin, within } from '../../scripts/lib/wait.ts';
import { ROOT, runScript } from '../lib/transcript.ts';
import { shipped, shippedText } from '../lib/shipped.ts';
import { linuxOnly, toolOrSkip, workedOrSkip } from '../lib/tools.ts';

const levels = listLevels();
/** One seed for the whole run, named in every failure, so that `SEED=… npm run challenge` replays it. */
const SEED = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31));

interface WrongServer {
  file: string;
  level: string;
  fails: string;
  mistake: string;
}

const wrongServers: WrongServer[] = readdirSync(join(ROOT, 'tests/challenge/wrong'))
  .filter((name) => /^\d\d-[a-z0-9-]+\.ts$/.test(name))
  .sort()
  .map((name) => {
    const tags = headerTags(readFileSync(join(ROOT, 'tests/challenge/wrong', name), 'utf8'));
    return {
      file: `tests/challenge/wrong/${name}`,
      level: String(Number(name.slice(0, 2))),
      fails: tags.fails?.[0] ?? '',
      mistake: tags.mistake?.[0] ?? '',
    };
  });

/** The failed steps of a report as the learner would read them, for an assertion's message. */
const failures = (report: Report) =>
  report.steps
    .filter((step) => step.failure)
    .map((step) => renderStep(step, 0, 0).join('\n'))
    .join('\n');
const failedNames = (report: Report) => report.steps.filter((step) => step.failure).map((step) => step.name);
/**
 * Whether the level could be checked here. One that cannot (an attack's tool is missing: prlimit)
 * skips its proof with the reason, and under REQUIRE_TOOLS=1 fails it, as a missing tool does.
 */
const checked = (t: TestContext, report: Report) => workedOrSkip(t, report.cannotCheck);

test("the levels keep the ladder's numbers, in order, and each has a starter, a solution and a checker", () => {
  assert.ok(levels.length >= 1);
  const numbers = levels.map((level) => Number(level.number));
  assert.deepEqual(
    numbers,
    [...new Set(numbers)].sort((a, b) => a - b),
  );
  assert.equal(numbers[0], 1, 'the ladder starts at level 1');
  for (const level of levels) {
    assert.ok(level.title.length > 0, `${level.starter} has a @title`);
    assert.ok(existsSync(join(ROOT, level.solution)), `${level.solution} is missing`);
  }
});

test('each starter and reference solution is lesson-shaped: header, node: imports only, at most 80 lines', async () => {
  for (const file of levels.flatMap((level) => [level.starter, level.solution])) {
    // The starter as shipped: the learner's own server, written in its place, may be any shape.
    const source = await shippedText(file);
    const tags = headerTags(source);
    for (const tag of ['title', 'task', 'run']) assert.ok(tags[tag]?.[0], `${file} has no @${tag}`);
    const lines = source.trimEnd().split('\n');
    assert.ok(lines.length <= 80, `${file} has ${lines.length} lines`);
    assert.deepEqual(
      lines.filter((line) => line.length > 100),
      [],
      `${file}: lines longer than 100 columns`,
    );
    for (const [, module] of source.matchAll(/^import .* from '([^']+)';$/gm))
      assert.match(module, /^node:/, `${file} imports ${module}`);
    assert.match(source, /process\.env\.PORT/, `${file} reads PORT`);
    assert.match(source, /process\.env\.HOST \?\? '127\.0\.0\.1'/, `${file} binds HOST, 127.0.0.1 by default`);
  }
});

test("each level's and attack's sections are headings of NOTES.md (a failure's reading pointer)", async () => {
  for (const entry of levels) {
    const level = await loadLevel(entry);
    const anchors = [...level.notes, ...level.attacks.flatMap((attack) => (attack.notes ? [attack.notes] : []))];
    for (const anchor of anchors) assert.doesNotThrow(() => sectionTitle(anchor), `level ${entry.number}: ${anchor}`);
  }
});

test('every attack of every level has a known-wrong server that names its one mistake', async () => {
  for (const entry of levels) {
    const level = await loadLevel(entry);
    const proven = new Set(wrongServers.filter((wrong) => wrong.level === entry.number).map((wrong) => wrong.fails));
    for (const attack of level.attacks)
      assert.ok(proven.has(attack.name), `level ${entry.number}'s attack ${attack.name} has no known-wrong server`);
  }
  for (const wrong of wrongServers) assert.ok(wrong.mistake.length > 20, `${wrong.file} names its mistake (@mistake)`);
});

/**
 * Every run uses servers on ports the kernel picks, so the proofs run side by side; four at a
 * time: most of a proof is waiting (for a reply that a wrong server never sends), some of it
 * moves tens of mebibytes, and the suite runs other files beside this one.
 */
const PROOFS_AT_ONCE = 4;

describe(`every attack proven (SEED=${SEED})`, { concurrency: PROOFS_AT_ONCE, skip: linuxOnly }, () => {
  for (const entry of levels) {
    test(`level ${entry.number}: the reference solution passes every attack`, async (t) => {
      const report = await (await loadLevel(entry)).check(entry.solution, { seed: SEED, keepGoing: true });
      if (!checked(t, report)) return;
      assert.deepEqual(failedNames(report), [], failures(report));
      assert.equal(report.steps.length, (await loadLevel(entry)).attacks.length);
    });

    test(`level ${entry.number}: the starter as shipped fails`, async (t) => {
      // As committed: a learner who has solved the level has their server in the starter's place.
      const report = await (await loadLevel(entry)).check(await shipped(entry.starter), { seed: SEED });
      if (!checked(t, report)) return;
      assert.equal(failedNames(report).length, 1, 'it stops at its first failure');
    });

    for (const wrong of wrongServers.filter((candidate) => candidate.level === entry.number))
      test(`level ${entry.number}: ${wrong.file} fails ${wrong.fails}, and only it`, async (t) => {
        const report = await (await loadLevel(entry)).check(wrong.file, { seed: SEED, keepGoing: true });
        if (!checked(t, report)) return;
        assert.deepEqual(failedNames(report), [wrong.fails], failures(report));
      });
  }
});

test('a server that crashes is named first: what it died of, then what the step saw', {
  skip: linuxOnly,
}, async (t) => {
  const level = await loadLevel(levels[0]);
  const file = 'tests/challenge/wrong/01-no-error-listener.ts';
  const report = await level.check(file, { seed: SEED, only: 'reset-mid-request' });
  if (!checked(t, report)) return;
  assert.match(
    report.steps[0]?.failure?.what ?? '',
    /^the server exited during this step: unhandled 'error' event: Error: read ECONNRESET; the step saw: \S/,
  );
});

test('a wire that differs: text escaped with a caret under the first byte that differs', () => {
  const lines = renderWire({
    sent: Buffer.from('GET a\n'),
    expected: Buffer.from('VALUE hello\n'),
    received: Buffer.from('VALUE help\n'),
  });
  assert.deepEqual(lines, [
    'sent       6 bytes: "GET a\\n"',
    '           12 bytes due, 11 came back',
    'due        "VALUE hello\\n"',
    'came back  "VALUE help\\n"',
    '                     ^ byte 9',
  ]);
});

test('a binary wire is shown in hex, due and came back side by side, a caret under the byte, then as text', () => {
  const due = Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 0xff, 10]);
  const got = Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 0xef, 0xbf, 0xbd]);
  const lines = renderWire({ sent: due, expected: due, received: got });
  assert.equal(lines[2], 'offset    due                       came back');
  assert.equal(lines[3], '00000000  00 01 02 03 04 05 06 07   00 01 02 03 04 05 06 07   ........  ........');
  assert.equal(lines[4], '00000008  08 ff 0a                  08 ef bf bd               ...       ....');
  // Printable ASCII reads as itself beside the hex, as in hexdump -C: the words of a text with Hangul in it.
  const words = renderWire({ sent: due, expected: Buffer.from('OK\n한'), received: Buffer.from('ERROR\n') });
  assert.equal(words[3], '00000000  4f 4b 0a ed 95 9c         45 52 52 4f 52 0a         OK....    ERROR.');
  assert.equal(lines[5].indexOf('^^'), lines[4].lastIndexOf('ef'));
});

describe('npm run challenge', { concurrency: true }, () => {
  test('a runner whose reader goes away (| head) ends the server it started', { skip: linuxOnly }, async (t) => {
    const folder = await mkdtemp(join(tmpdir(), 'socket-notes-head-'));
    t.after(() => rm(folder, { recursive: true, force: true }));
    // A copy of its own, so that its process is told apart from the proofs' servers.
    const server = join(folder, 'mine.ts');
    await writeFile(server, readFileSync(join(ROOT, 'challenges/solutions/01-echo.ts')));
    const runner = spawn(process.execPath, ['scripts/lib/challenge.ts', '1', server], { cwd: ROOT });
    t.after(() => runner.kill('SIGKILL')); // ended already when the test passes
    const lines = createInterface({ input: runner.stdout });
    // Like head -2: read two lines (the header, the first step), then stop reading.
    let read = 0;
    lines.on('line', () => {
      if (++read === 2) runner.stdout.destroy();
    });
    await onceWithin(runner, 'close', 2 * startAllowanceMs(), 'the runner to end once its reader is gone');
    const commandOf = (pid: string) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        return ''; // gone since the listing
      }
    };
    const pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
    assert.ok(!pids.some((pid) => commandOf(pid).includes(server)), 'no server of its left running');
  });

  test('bad usage: one error line, exit 2', async () => {
    for (const args of [['99'], ['1', '--hint', '--solution'], ['1', 'no/such/file.ts'], ['1', '--attack', 'nope']]) {
      const run = await runScript('scripts/lib/challenge.ts', args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /^error: [^\n]+\n$/, args.join(' '));
    }
    const seed = await runScript('scripts/lib/challenge.ts', ['1'], { env: { SEED: 'x' } });
    assert.equal(seed.code, 2);
    assert.match(seed.stderr, /^error: knob SEED must be a whole number/);
    await assert.rejects(
      challenge([], { write: () => {}, env: {}, cwd: ROOT }),
      (error: Error) => error instanceof UsageError,
    );
  });

  test('a failure report: the steps that passed, the failed one with its wire and the kernel, a replay command', {
    skip: linuxOnly,
  }, async (t) => {
    const scratch = await mkdtemp(join(tmpdir(), 'socket-notes-challenge-'));
    t.after(() => rm(scratch, { recursive: true, force: true }));
    const file = 'tests/challenge/wrong/01-utf8-decoding.ts';
    // The seed of the sample in NOTES.md, which this run must reproduce byte for byte.
    const seed = 7;
    const env = { SEED: String(seed), SOCKET_NOTES_PROGRESS: join(scratch, 'progress.json') };
    const run = await runScript('scripts/lib/challenge.ts', ['1', file], { env });
    assert.equal(run.code, 1, run.stderr);
    const lines = run.stdout.split('\n');
    assert.equal(lines[0], `level 1, Echo: checking ${file}  (SEED=${seed})`);
    const notes = readFileSync(join(ROOT, 'NOTES.md'), 'utf8');
    const sample = /```\n(level 1, Echo: checking [^\n]*\n[\s\S]*?)\n {8}…\n```/.exec(notes)?.[1];
    assert.ok(sample, 'NOTES.md shows a failure of level 1');
    const timing = (text: string) => text.replace(/\(\d+ ms\)/g, '(N ms)');
    assert.equal(timing(lines.slice(0, sample.split('\n').length).join('\n')), timing(sample));
    assert.match(lines[1], /^ {2}FAIL {2}1\/5 binary: every byte value, 0 to 255, comes back unchanged {2}\(\d+ ms\)$/);
    assert.match(run.stdout, /^ {8}offset {4}due +came back$/m, 'a hex view');
    assert.match(run.stdout, /^ {8,}\^\^ byte \d+$/m, 'a caret under the first byte that differs');
    assert.match(run.stdout, /^ {10}a client, the server's end: +127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+ {2}ESTABLISHED/m);
    assert.match(run.stdout, /^ {10}server pid \d+: \d+ descriptors open/m);
    const replay = `SEED=${seed} npm run challenge -- 1 ${file} --attack binary`;
    assert.ok(run.stdout.includes(`replay exactly this attack: ${replay}\n`), run.stdout);
    // The replay runs that one attack, with the same bytes, to the same failure.
    const again = await runScript('scripts/lib/challenge.ts', ['1', file, '--attack', 'binary'], { env });
    assert.equal(again.code, 1);
    const wire = (text: string) => text.split('\n').filter((line) => /^ {8}[0-9a-f]{8} {2}/.test(line));
    assert.deepEqual(wire(again.stdout), wire(run.stdout));

    // Hints, one at a time, after that failure.
    const first = await runScript('scripts/lib/challenge.ts', ['1', '--hint'], { env });
    assert.match(first.stdout, /^hint 1 of 2 for binary: /);
    const second = await runScript('scripts/lib/challenge.ts', ['1', '--hint'], { env });
    assert.match(second.stdout, /^hint 2 of 2 for binary: /);
    // Past the last, every hint again, and where to read: a hint once given is never lost.
    const allAgain = await runScript('scripts/lib/challenge.ts', ['1', '--hint'], { env });
    assert.deepEqual(
      allAgain.stdout.split('\n').map((line) => /^(hint \d of 2|those are all the hints) for binary/.exec(line)?.[1]),
      ['hint 1 of 2', 'hint 2 of 2', 'those are all the hints', undefined],
    );
  });

  test('an attack whose tool is missing: the level says it cannot check here, and which package brings the tool', {
    skip: linuxOnly,
  }, async () => {
    // Only this Node on PATH: prlimit (in /usr/bin) is not found.
    const env = { PATH: dirname(process.execPath) };
    const args = ['4', 'challenges/solutions/04-chat-room.ts', '--attack', 'dropped-give-back-descriptors'];
    const run = await runScript('scripts/lib/challenge.ts', args, { env });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^cannot check here: prlimit is not installed \(apt-get install util-linux\)$/m);
    assert.doesNotMatch(run.stdout, /^ {2}(ok|FAIL) /m, 'no step ran');
  });

  test('list: one level a line, by number, with whether the file passes, and the next to try', {
    skip: linuxOnly,
  }, async () => {
    let text = '';
    const write = (written: string) => {
      text += written;
    };
    const io = { write, env: { SEED: String(SEED) }, cwd: ROOT };
    const starter = await shipped(levels[0].starter);
    assert.equal(await challenge(['list'], io, [{ ...levels[0], starter }]), 0);
    // The title is the header of the file on disk, which a learner may have rewritten.
    assert.match(text, /^checking your file for each level \(a few seconds\)…\n1 {2}Echo/, 'said first');
    assert.match(text, /^1 {2}Echo[^:\n]*: fails binary {2}\(\S*01-echo\.ts\)$/m);
    assert.match(text, /^6 {2}Reliable transfer over UDP, across lesson 15's lossy link: not built yet$/m);
    assert.match(text, /^Next: npm run challenge -- 1$/m);
  });

  test('--solution prints the reference solution; --reset restores the starter from git', async (t) => {
    let text = '';
    const write = (written: string) => {
      text += written;
    };
    const io = { write, env: {}, cwd: ROOT };
    assert.equal(await challenge(['5', '--solution'], io), 0);
    assert.ok(text.includes(readFileSync(join(ROOT, 'challenges/solutions/05-udp-store.ts'), 'utf8')));
    // --reset runs git checkout on the learner's file: here in a clone, where no learner's work is lost.
    const git = await toolOrSkip(t, 'git');
    if (!git) return;
    const clone = await mkdtemp(join(tmpdir(), 'socket-notes-reset-'));
    t.after(() => rm(clone, { recursive: true, force: true }));
    assert.equal((await runTool(git, ['clone', '-q', ROOT, clone], 30_000, ROOT)).code, 0, 'a clone to reset in');
    // The runner as it is on disk, not as last committed: the clone has only what git holds.
    await cp(join(ROOT, 'scripts'), join(clone, 'scripts'), { recursive: true });
    const starter = 'challenges/05-udp-store.ts';
    await writeFile(join(clone, starter), "// a learner's server, half written\n");
    // Staged, as a learner who uses git may have it: the reset takes the last commit, not the index.
    assert.equal((await runTool(git, ['add', starter], 10_000, clone)).code, 0, 'the attempt staged');
    // Progress of its own, with hints given on level 5 and a level 1 passed: only level 5's goes.
    const progress = join(clone, 'progress.json');
    const level1 = { passed: ['challenges/01-echo.ts'] };
    // Records are per checkout: the clone's keys name the clone.
    const key = (number: string) => `challenge-${number} ${clone}`;
    const elsewhere = { [`challenge-5 ${resolve(ROOT)}`]: { hints: ['version#1'] } };
    await writeFile(
      progress,
      JSON.stringify({ [key('5')]: { hints: ['version#1'] }, [key('1')]: level1, ...elsewhere }),
    );
    const reset = await promisify(execFile)(process.execPath, ['scripts/lib/challenge.ts', '5', '--reset'], {
      cwd: clone,
      env: { ...process.env, INIT_CWD: clone, SOCKET_NOTES_PROGRESS: progress },
    });
    const kept = /; your version is kept in (challenges\/05-udp-store\.ts\.[\dT-]+\.\d+Z\.bak)\n$/.exec(
      reset.stdout,
    )?.[1];
    assert.equal(
      reset.stdout,
      `restored ${starter} as last committed; its hints start over; your version is kept in ${kept}\n`,
    );
    assert.equal(readFileSync(join(clone, kept!), 'utf8'), "// a learner's server, half written\n", 'the attempt kept');
    assert.deepEqual(
      JSON.parse(readFileSync(progress, 'utf8')),
      { [key('1')]: level1, ...elsewhere },
      "level 5's hints start over in this checkout only",
    );
    assert.equal(readFileSync(join(clone, starter), 'utf8'), await shippedText(starter), 'as committed');
  });

  test('--watch checks again when the file is saved, until stopped', { skip: linuxOnly }, async (t) => {
    const scratch = await mkdtemp(join(tmpdir(), 'socket-notes-watch-'));
    t.after(() => rm(scratch, { recursive: true, force: true }));
    const file = join(scratch, 'mine.ts');
    await writeFile(file, readFileSync(join(ROOT, 'challenges/solutions/05-udp-store.ts')));
    const stop = new AbortController();
    let text = '';
    const checks = () => text.split('\n').filter((line) => line.startsWith('level 5, ')).length;
    let saved = false;
    const write = (written: string) => {
      text += written;
      // Saved once the first check is over and the watch has begun; stopped after the second check.
      if (!saved && written.startsWith('\nwatching ')) {
        saved = true;
        void writeFile(file, `${readFileSync(file, 'utf8')}\n`);
      }
      if (checks() === 2 && /every attack passed/.test(written)) stop.abort();
    };
    const io = { write, env: { SOCKET_NOTES_PROGRESS: join(scratch, 'progress.json') }, cwd: scratch };
    // However it ends, the watch is stopped: a watch left running would keep this file's process alive.
    t.after(() => stop.abort());
    const code = await within(
      challenge(['5', 'mine.ts', '--watch'], { ...io, signal: stop.signal }),
      60_000,
      'two checks',
    );
    assert.equal(code, 0);
    assert.equal(checks(), 2, text);
  });
});
