/**
 * The learner's entry points: `npm start` (the tour) and the command-line plumbing every script shares.
 * The exercise runner has its own file, exercise.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { labOf, listEntries, selectEntries } from '../scripts/lib/catalog.ts';
import {
  defineScript,
  listeningLine,
  parseFlags,
  nodeAtLeast,
  olderNodeError,
  readKnobs,
  runScript as runCommandLine,
  type ScriptDefinition,
  UsageError,
} from '../scripts/lib/cli.ts';
import { startAllowanceMs, startNodeChild } from '../scripts/lib/child.ts';
import { writeStubs } from '../scripts/lib/new.ts';
import { findTool, runTool } from '../scripts/lib/tools.ts';
import { localeLanguage, takeLanguage } from '../scripts/lib/lang.ts';
import { LOOK_AT, TOUR_TEXT, type TourText } from '../scripts/lib/messages/tour.ts';
import { commandOf, tour, tourPlan } from '../scripts/lib/tour.ts';
import { assertAllKorean, assertKorean, KOREAN_LOCALE } from './lib/korean.ts';
import { ENGLISH_LOCALE, NOT_UNDER_A_RUNNER, onATerminal } from './lib/terminal.ts';
import { assertRejects, ROOT, runInProcess, runScript } from './lib/transcript.ts';
import { linuxOnly } from './lib/tools.ts';

const tourText = TOUR_TEXT.en;

/** A pattern that matches `line` and nothing else. */
const exactly = (line: string) => new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

test('without a terminal the tour runs straight through: title and level, the output, what to look at', async () => {
  const run = await runScript('scripts/lib/tour.ts', ['01', '03'], { env: ENGLISH_LOCALE });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^== 01\. What a socket is: one connection, two ends \(basics\) ==$/m);
  assert.match(run.stdout, /^\$ npx tsx scripts\/01-socket\.ts$/m);
  assert.match(run.stdout, /^server: +pid \d+ listens on 127\.0\.0\.1:\d+$/m, "the script's own output follows");
  assert.ok(run.stdout.includes(`\n${tourText.lookAt(selectEntries(['01'])[0])}\n`), 'what to look at in it');
  assert.match(run.stdout, /^== 03\. /m, 'the next script, without waiting');
  assert.doesNotMatch(run.stdout, /Enter: next/, 'no pause without a terminal');
  assert.match(run.stdout, /^2 of 2 scripts ran to completion\.$/m);
});

test('on a terminal the tour waits for Enter after each script, and q stops it', async () => {
  // Typed ahead: Enter after 01, q after 03, so 07 never runs. English under --lang en, whatever the locale.
  const run = await onATerminal('scripts/lib/tour.ts', ['--lang', 'en', '01', '03', '07'], '\nq\n', KOREAN_LOCALE);
  assert.equal(run.code, 0, run.output);
  const output = run.output.replaceAll('\r', '');
  const [socket, accept, descriptor] = selectEntries(['01', '03', '07']);
  const at = (text: string) => output.indexOf(text);
  const steps = [
    tourText.heading(socket),
    tourText.lookAt(socket),
    tourText.prompt(accept),
    tourText.heading(accept),
    tourText.lookAt(accept),
    tourText.prompt(descriptor),
    tourText.stopped(2, 2, [descriptor]),
  ];
  for (const [i, step] of steps.entries())
    assert.ok(at(step) > (i === 0 ? -1 : at(steps[i - 1])), `"${step}" comes after "${steps[i - 1]}":\n${output}`);
  assert.ok(!output.includes(tourText.heading(descriptor)), 'q stopped the tour before 07');
  // The way on runs every script the tour had left, not the next one alone.
  assert.match(tourText.stopped(1, 1, [accept, descriptor]), /To go on: npm start -- 03 07$/);
  assert.doesNotMatch(output, /\p{Script=Hangul}/u, 'not a word of Korean under --lang en');
});

/** Runs 01 on a terminal, then q at the prompt for 03: what the tour said, from heading to stop. */
async function pacedTour(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const run = await onATerminal('scripts/lib/tour.ts', [...args, '01', '03'], 'q\n', env);
  assert.equal(run.code, 0, run.output);
  return run.output.replaceAll('\r', '');
}

/** The tour's own lines in `text`'s language, in their order, in `output`. */
function assertTourSaid(output: string, text: TourText): void {
  const [socket, accept] = selectEntries(['01', '03']);
  const steps = [
    text.intro(2, 2, true),
    text.heading(socket),
    text.lookAt(socket),
    text.prompt(accept),
    text.stopped(1, 1, [accept]),
  ];
  let from = 0;
  for (const step of steps) {
    const at = output.indexOf(step, from);
    assert.ok(at >= from, `"${step}" does not come next in:\n${output}`);
    from = at + step.length;
  }
  assert.ok(!output.includes(text.heading(accept)), 'q stopped the tour before 03');
}

test('the tour speaks Korean on a terminal with --lang ko, and under a Korean locale', async () => {
  const [flagged, localized] = await Promise.all([
    pacedTour(['--lang', 'ko'], { LANG: 'en_US.UTF-8', LC_ALL: undefined, LC_MESSAGES: undefined }),
    pacedTour([], KOREAN_LOCALE),
  ]);
  for (const output of [flagged, localized]) {
    assertTourSaid(output, TOUR_TEXT.ko);
    assert.match(output, /^== 01\. 연결 하나, 양 끝 둘 \(기초\) ==$/m, "the title is NOTES.ko.md's heading");
    assert.match(output, /^server: +pid \d+ listens on 127\.0\.0\.1:\d+$/m, "the script's own output stays English");
    assert.doesNotMatch(output, /Enter: next|Look at|Stopped:/, 'no English framing line');
  }
});

test('every Korean line of the tour is said, in Hangul; a bad argument is told in Korean', async () => {
  const [socket, accept] = selectEntries(['01', '03']);
  const ko = TOUR_TEXT.ko;
  // A Record over TourText's keys: a message added without a sample here does not compile.
  const said: Record<keyof TourText, string> = {
    usage: ko.usage,
    badArgument: ko.badArgument("Unknown option '--loud'"),
    intro: ko.intro(17, 9, true),
    heading: ko.heading(socket),
    lookAt: ko.lookAt(socket),
    prompt: ko.prompt(accept),
    failed: ko.failed(socket.script, ko.exitCode(1)),
    exitCode: ko.exitCode(1),
    done: ko.done(1, 2),
    stopped: ko.stopped(1, 1, [accept]),
    unknownWord: ko.unknownWord('basic'),
    noScript: ko.noScript('99', ['01', '02']),
  };
  assertAllKorean(said, 'TOUR_TEXT.ko');
  for (const entry of listEntries()) assertKorean(LOOK_AT.ko[entry.number] ?? '', `LOOK_AT.ko['${entry.number}']`);
  for (const args of [
    ['--lang', 'ko', '--loud'],
    ['--lang', 'ko', 'basic'],
    ['--lang', 'ko', '99'],
  ]) {
    const run = await runScript('scripts/lib/tour.ts', args);
    assert.equal(run.code, 2, `${args}: ${run.stderr}`);
    assert.match(run.stderr, /^error: [^\n]+\n$/, `${args}: one line`);
    assertKorean(run.stderr, `${args}`);
  }
});

test('npm start -- basics is the beginner path; every script has a line on what to look at', () => {
  const basics = tourPlan(['basics']);
  assert.ok(basics.length > 0 && basics.length < listEntries().length, `${basics.length} basics`);
  assert.ok(basics.every((entry) => entry.level === 'basics'));
  assert.deepEqual(
    tourPlan(['03', '01']).map((entry) => entry.number),
    ['03', '01'],
  );
  for (const entry of listEntries())
    for (const lang of ['en', 'ko'] as const)
      assert.ok(LOOK_AT[lang][entry.number], `${entry.script} has no LOOK_AT.${lang} line`);
});

test('the tour refuses a bad argument with one error line and exit code 2', async () => {
  for (const args of [['--loud'], ['basic'], ['99']]) {
    const run = await runScript('scripts/lib/tour.ts', args);
    assert.equal(run.code, 2, `${args}: ${run.stderr}`);
    assert.match(run.stderr, /^error: [^\n]+\n$/, `${args}: one line`);
    assert.equal(run.stdout, '', `${args}: nothing ran`);
  }
});

test('the tour runs exactly the command it shows, arguments included', () => {
  // 01's run above shows that the tour runs commandOf(entry); here, that the command carries @run's arguments.
  const [handshake] = selectEntries(['09']);
  assert.deepEqual(handshake.runArgs, ['--capture'], '09 is shown with --capture');
  assert.deepEqual(commandOf(handshake).slice(-2), ['scripts/09-tcp-handshake.ts', '--capture']);
  assert.equal(handshake.run, 'npx tsx scripts/09-tcp-handshake.ts --capture');
});

test('the tour names the scripts there are when asked for one that is not, and a flag it does not take', async () => {
  await assert.rejects(
    tour(['99'], {}),
    (error: Error) => error instanceof UsageError && /^no script "99"; there are 01, /.test(error.message),
  );
  // A flag it does not take: parseArgs' sentence, then the usage; in Korean, as the other runners say it.
  for (const [lang, line] of [
    ['en', "Unknown option '--loud'; usage: npm start "],
    ['ko', "옵션이 잘못되었습니다(Unknown option '--loud'). 사용법: npm start "],
  ])
    await assert.rejects(
      tour(['--lang', lang, '--loud'], {}),
      (error: Error) => error instanceof UsageError && error.message.startsWith(line),
    );
});

test('every script loads as it is on plain Node (type stripping, no loader)', async () => {
  // One process for all of them; running one as the main program is what the tour's test does.
  const { stdout } = await promisify(execFile)(process.execPath, ['tests/lib/load-every-script.ts'], {
    cwd: ROOT,
    // It loads every script and lab: a start, and then some, on a cold cache under load.
    timeout: 2 * startAllowanceMs(),
  });
  assert.equal(Number(stdout), listEntries().length);
});

test('a concept can be named by its number, with or without the zero, or by its file name', () => {
  assert.deepEqual(
    selectEntries(['3', '03', '03-accept']).map((entry) => entry.script),
    ['scripts/03-accept.ts', 'scripts/03-accept.ts', 'scripts/03-accept.ts'],
  );
});

test('an unexpected failure is one error line and exit code 1, bad input exit code 2', async () => {
  let stderr = '';
  const output = { stdout: () => assert.fail('nothing on stdout'), stderr: (text: string) => (stderr += text) };
  const failing = defineScript({
    usage: 'Usage: x',
    demo: () => Promise.reject(new Error('the kernel said no')),
    render: () => [],
  });
  assert.equal(await runCommandLine(failing, [], output), 1);
  assert.equal(stderr, 'error: the kernel said no\n');
  stderr = '';
  assert.equal(await runCommandLine(failing, ['--no-such-flag'], output), 2);
  assert.match(stderr, /^error: Unknown option '--no-such-flag'[^\n]*\n$/);
});

test('npm test ends a test file whose process never exits: it names the file, exits 1, leaves nothing', {
  skip: linuxOnly,
}, async () => {
  const folder = await mkdtemp(join(tmpdir(), 'socket-notes-suite-'));
  const hanging = join(folder, 'open-handle.test.ts');
  try {
    await writeFile(hanging, await readFile(join(ROOT, 'tests/probes/open-handle.ts'), 'utf8'));
    const run = await promisify(execFile)(process.execPath, ['tests/lib/run-suite.ts', hanging], {
      cwd: ROOT,
      env: { ...process.env, ...NOT_UNDER_A_RUNNER, SUITE_BOUND_MS: '2000' },
      timeout: 2 * startAllowanceMs(),
    }).then(
      () => assert.fail('npm test passed with a file whose process never exits'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^npm test: still waiting after 2000 ms for \S*open-handle\.test\.ts to exit/m);
    const left = (await readdir('/proc')).filter((pid) => /^\d+$/.test(pid));
    const cmdlines = await Promise.all(left.map((pid) => readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')));
    assert.ok(!cmdlines.some((cmdline) => cmdline.includes(hanging)), "the file's process was ended");
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

test("a runner's unknown flag is one sentence, without parseArgs' tip about '--' (npm run takes it)", () => {
  assert.throws(
    () => parseFlags(['4', '--bogus'], { watch: { type: 'boolean' } }, true),
    (error: Error) => error instanceof UsageError && error.message === "Unknown option '--bogus'",
  );
});

test(
  'outside tools: a missing one is undefined, ' + 'a failing one returns its exit code, one that cannot start rejects',
  async () => {
    assert.equal(await findTool('no-such-tool-anywhere'), undefined);
    const shell = await findTool('sh');
    assert.ok(shell, 'sh is on every Linux machine');
    assert.deepEqual(await runTool(shell, ['-c', 'echo out; echo err >&2; exit 3']), {
      stdout: 'out\n',
      stderr: 'err\n',
      code: 3,
    });
    await assert.rejects(runTool('/no/such/file', []), { code: 'ENOENT' });
  },
);

test('a negative value after a space is checked against the range, not refused as "ambiguous"', async () => {
  const { MAX_BACKLOG } = await import('../scripts/lab/04-listen-backlog.ts');
  const { MAX_ROUNDS } = await import('../scripts/lab/05-connect.ts');
  await assertRejects(
    '04-listen-backlog',
    ['--backlog', '-1'],
    exactly(`error: --backlog must be between 1 and ${MAX_BACKLOG}, got -1`),
  );
  await assertRejects(
    '05-connect',
    ['--rounds', '-3'],
    exactly(`error: --rounds must be between 1 and ${MAX_ROUNDS}, got -3`),
  );
  await assertRejects('02-bind', ['--serve', '--port', '-1'], /^error: --port must be between 0 and 65535, got -1$/);
});

test('a flag given twice is an error, not the last one silently winning', () =>
  assertRejects('03-accept', ['--clients', '3', '--clients', '4'], /^error: --clients is given twice; say it once$/));

test("a flag of the other mode is an error: the demo's flags with --serve, --serve's without it", async () => {
  await assertRejects('03-accept', ['--json', '--serve'], /^error: --json belongs to the demo, not to --serve$/);
  await assertRejects('10-udp-fire-and-forget', ['--serve', '--datagrams', '3'], /--datagrams belongs to the demo/);
  await assertRejects('03-accept', ['--host', '127.0.0.1'], /^error: --host goes with --serve$/);
  await assertRejects(
    '08-port-vs-pid',
    ['--sharers', '1', '--port', '80'],
    /--sharers belongs to the demo, not to --port/,
  );
});

test('a knob takes the range of its flag, and a bad one names the knob and that range', async () => {
  const { KNOBS, MAX_CLIENTS } = await import('../scripts/lab/03-accept.ts');
  const range = `between 1 and ${MAX_CLIENTS}`;
  assert.deepEqual(readKnobs(KNOBS, { CLIENTS: String(MAX_CLIENTS) }), { CLIENTS: MAX_CLIENTS });
  await assertRejects(
    '03-accept',
    ['--clients', String(MAX_CLIENTS + 1)],
    exactly(`error: --clients must be ${range}, got ${MAX_CLIENTS + 1}`),
  );
  assert.throws(() => readKnobs(KNOBS, { CLIENTS: String(MAX_CLIENTS + 1) }), {
    message: `knob CLIENTS must be ${range}, got ${MAX_CLIENTS + 1}`,
  });
  assert.throws(() => readKnobs(KNOBS, { CLIENTS: 'abc' }), {
    message: `knob CLIENTS must be a whole number from 1 to ${MAX_CLIENTS}, got "abc"`,
  });
  const { KNOBS: BACKLOG_KNOBS, MAX_BACKLOG } = await import('../scripts/lab/04-listen-backlog.ts');
  assert.throws(() => readKnobs(BACKLOG_KNOBS, { BACKLOG: '-2' }), {
    message: `knob BACKLOG must be between 1 and ${MAX_BACKLOG}, got -2`,
  });
  const backlog = 2;
  assert.throws(() => readKnobs(BACKLOG_KNOBS, { BACKLOG: String(backlog), EXTRA: String(backlog + 2) }), {
    message: `knob EXTRA must be at most BACKLOG + 1 = ${backlog + 1}, got ${backlog + 2}`,
  });
});

test('an exercise with a bad knob stops before its tests with one error line and exit code 2', async () => {
  // One real process (the wording of each bad value is checked in-process above).
  const { MAX_CLIENTS } = await import('../scripts/lab/03-accept.ts');
  const run = await runScript('scripts/lib/exercise.ts', ['03'], {
    env: { ...NOT_UNDER_A_RUNNER, ...ENGLISH_LOCALE, CLIENTS: '0' },
  });
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr, `error: knob CLIENTS must be between 1 and ${MAX_CLIENTS}, got 0\n`);
});

test('every --serve refuses a host name: localhost may be 127.0.0.1 or ::1, and a server says which', async () => {
  for (const name of ['02-bind', '03-accept', '10-udp-fire-and-forget', '11-tcp-vs-udp'])
    await assertRejects(name, ['--serve', '--host', 'localhost'], /^error: --host must be an IP address/);
});

test('--serve writes addresses one way, and its hint dials loopback where the server holds a wildcard', () => {
  assert.equal(listeningLine('tcp', '::1', 8080), 'listening on [::1]:8080; try: nc ::1 8080');
  assert.equal(listeningLine('tcp', '::', 8080, 'fd 3'), 'listening on [::]:8080 (fd 3); try: nc ::1 8080');
  assert.equal(listeningLine('udp', '0.0.0.0', 53), 'listening on 0.0.0.0:53; try: nc -u 127.0.0.1 53');
});

test(
  '--help reads cleanly: no line over 100 columns, every usage line in the same column, and every flag a ' +
    'script takes described, the common ones (--json, --mermaid, --help) in the column of its own',
  async () => {
    for (const { base } of listEntries()) {
      const { code, stdout } = await runInProcess(base, ['--help']);
      assert.equal(code, 0);
      const lines = stdout.trimEnd().split('\n');
      const { cli } = (await import(`../${labOf(base)}`)) as { cli: ScriptDefinition<unknown> };
      const flags = ['json', 'help', ...(cli.mermaid ? ['mermaid'] : []), ...Object.keys(cli.flags ?? {})];
      for (const flag of flags)
        assert.ok(new RegExp(`(^|, )--${flag}\\b`, 'm').test(stdout), `${base} --help does not describe --${flag}`);
      const described = lines.filter((line) => /^--[a-z]/.test(line));
      const column = (line: string) => /^(--\S.*?\s{2,})\S/.exec(line)?.[1].length;
      assert.equal(
        new Set(described.map(column)).size,
        1,
        `${base} --help: its flags start their text in different columns`,
      );
      for (const line of lines) assert.ok(line.length <= 100, `${base} --help: "${line}" is ${line.length} columns`);
      for (const line of lines.filter((text) => /^\s*npx tsx scripts\//.test(text)))
        assert.match(line, /^ {7}npx tsx/, `${base} --help: "${line}" does not line up under "Usage: "`);
    }
  },
);

test("a child's first message may take its start as well as its own bound; later ones, their own", async (t) => {
  const server = await startNodeChild({
    module: new URL('../scripts/children/stalled-listener.ts', import.meta.url),
    args: ['127.0.0.1', '1'],
  });
  t.after(() => server.stop());
  assert.ok(startAllowanceMs() >= 10_000, 'at least 10 s, more on a loaded machine');
  // No Node starts in 1 ms: without the allowance this first wait would fail.
  const { listening } = await server.next<{ listening: number }>(1, 'the server to listen');
  assert.ok(listening > 0);
  // No client connects, so nothing comes: the message shows the bound was the one asked for, 50 ms.
  await assert.rejects(
    server.next(50, 'the server to accept'),
    /^Error: timed out after 50 ms waiting for the server to accept$/,
  );
});

test('npm run new writes a lesson that runs alone, a lab, and a test failing until its claims exist', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'socket-notes-new-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  for (const folder of ['scripts/lab', 'tests']) await mkdir(join(root, folder), { recursive: true });
  const written = await writeStubs('98', 'port-reuse', root);
  assert.deepEqual(written, [
    'scripts/98-port-reuse.ts',
    'scripts/lab/98-port-reuse.ts',
    'tests/98-port-reuse.test.ts',
  ]);
  const lesson = await runTool(process.execPath, [join(root, 'scripts/98-port-reuse.ts')], 30_000, root);
  assert.equal(lesson.code, 0, lesson.stderr);
  assert.match(lesson.stdout, /^server: listening on 127\.0\.0\.1:\d+\n$/);
  assert.match(await readFile(join(root, 'tests/98-port-reuse.test.ts'), 'utf8'), /assert\.fail\(/);
  await assert.rejects(writeStubs('98', 'port-reuse', root), /exists already; nothing was written/);
  await assert.rejects(writeStubs('03', 'again', root), /03 is taken by scripts\/03-accept\.ts/);
  await assert.rejects(writeStubs('7', 'x', root), (error) => error instanceof UsageError);
  await assert.rejects(writeStubs('97', 'Not_A_Slug', root), (error) => error instanceof UsageError);
});

test("a lab on too old a Node says in one line which Node it needs, and the command for the project's own", () => {
  const [major, minor] = process.versions.node.split('.').map(Number);
  assert.equal(nodeAtLeast(major, minor), true);
  assert.equal(nodeAtLeast(major, minor + 1), false);
  assert.equal(nodeAtLeast(major - 1, 99), true);
  assert.equal(nodeAtLeast(major + 1, 0), false);
  const { message } = olderNodeError('13-fan-out-processes', 22, 12, 'reusePort');
  assert.match(message, /^13-fan-out-processes needs Node 22\.12 or later \(reusePort\), and this is \d+\.\d+\.\d+: /);
  assert.match(message, /npx tsx scripts\/13-fan-out-processes\.ts$/);
  assert.doesNotMatch(message, /\n/);
});

test('the runners speak Korean under a Korean locale, as POSIX picks it (LC_ALL, then LC_MESSAGES, then LANG)', () => {
  assert.equal(localeLanguage({ LANG: 'ko_KR.UTF-8' }), 'ko');
  assert.equal(localeLanguage({ LC_ALL: 'C.UTF-8', LANG: 'ko_KR.UTF-8' }), 'en', 'LC_ALL comes first');
  assert.equal(localeLanguage({ LC_ALL: '', LC_MESSAGES: 'ko_KR.UTF-8', LANG: 'en_US.UTF-8' }), 'ko');
  assert.equal(localeLanguage({}), 'en');
});

test('--lang ko or --lang=ko chooses Korean over the locale; another value is a usage error', () => {
  assert.deepEqual(takeLanguage(['04', '--lang', 'ko'], { LANG: 'en_US.UTF-8' }), { lang: 'ko', rest: ['04'] });
  assert.deepEqual(takeLanguage(['--lang=en', '04'], { LANG: 'ko_KR.UTF-8' }), { lang: 'en', rest: ['04'] });
  assert.deepEqual(takeLanguage(['04'], { LANG: 'ko_KR.UTF-8' }), { lang: 'ko', rest: ['04'] });
  assert.throws(() => takeLanguage(['--lang', 'fr']), /--lang takes en or ko/);
});
