/**
 * Every fix-the-bug exercise proves itself: the program as shipped fails its check, and its
 * reference solution passes it. Also `npm run fix` as a learner uses it.
 */
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { describe, test } from 'node:test';
import type { Verdict } from '../scripts/lib/fix-check.ts';
import { UsageError } from '../scripts/lib/cli.ts';
import { fix as runFix, listFixes, loadCheck } from '../scripts/lib/fix.ts';
import { FIX_TEXT, type FixText } from '../scripts/lib/messages/fix.ts';
import { assertAllKorean, assertKorean, KOREAN_LOCALE } from './lib/korean.ts';
import { ENGLISH_LOCALE, onATerminal } from './lib/terminal.ts';
import { workedOrSkip } from './lib/tools.ts';
import { shipped } from './lib/shipped.ts';
import { runScript } from './lib/transcript.ts';

const fixes = listFixes();

test('there are at least 8 exercises, each with its program, its solution and its check', () => {
  assert.ok(fixes.length >= 8, `${fixes.length} exercises`);
  assert.deepEqual(
    fixes.map((fix) => fix.number),
    fixes.map((_, i) => String(i + 1)),
    'numbered 1, 2, 3… in order',
  );
});

// Each check uses ports of its own (port 0), so the exercises are proved side by side.
describe('each fix-the-bug exercise', { concurrency: true }, () => {
  for (const fix of fixes)
    test(`fix ${fix.number} (${fix.program}): as shipped it fails its check, its solution passes`, async (t) => {
      const check = await loadCheck(fix);
      // The two runs use ports and namespaces of their own, so they run side by side too.
      const verdicts: Verdict[] = await Promise.all([
        check.check(await shipped(fix.program)),
        check.check(fix.solution),
      ]);
      for (const verdict of verdicts)
        if (!workedOrSkip(t, 'cannotCheck' in verdict ? verdict.cannotCheck.en : undefined)) return;
      const [asShipped, solved] = verdicts as Array<Extract<Verdict, { passed: boolean }>>;
      assert.equal(asShipped.passed, false, `the shipped program passed: ${asShipped.saw.en}`);
      assert.equal(solved.passed, true, `the solution failed: ${solved.saw.en}`);
      // What the check saw, failing and passing, said in Korean too (the program's output quoted in it).
      assertKorean(asShipped.saw.ko, `${fix.checkModule} on the shipped program, in Korean`);
      assertKorean(solved.saw.ko, `${fix.checkModule} on the solution, in Korean`);
      t.diagnostic(`shipped: ${asShipped.saw.en}`);
      t.diagnostic(`shipped, in Korean: ${asShipped.saw.ko}`);
      t.diagnostic(`solution: ${solved.saw.en}`);
    });
});

test('npm run fix -- 1 on the shipped program: what the check saw, a hint, the section to read, exit 1', async () => {
  // Named as a file: the learner may have fixed their copy in its place already.
  const program = await shipped(fixes[0].program);
  const run = await runScript('scripts/lib/fix.ts', ['--lang', 'en', '1', program], { env: KOREAN_LOCALE });
  assert.equal(run.code, 1, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines[0], `1  A line server that answers every line  (${program})`);
  assert.match(lines[1], /^fails: wrote .* heard back HELLO, WOR where WORLD was due$/);
  assert.match(lines[2], /^hint: /);
  assert.match(lines[3], /^read: NOTES\.md §2\.5 read\(\) and write\(\)/);
  assert.equal(lines[4], `edit ${program}, then run npm run fix -- 1 ${program} again`);
  assert.doesNotMatch(run.stdout, /\p{Script=Hangul}/u, 'English all through, under a Korean locale');
});

test('npm run fix -- list: one exercise a line, by number, with whether the copy passes', async () => {
  // Two of the quick checks, in this process: the listing is the same for any number of them.
  // As shipped, each failing its check: the learner's own copies may pass already.
  const listed = await Promise.all(
    fixes
      .filter((fix) => ['1', '8'].includes(fix.number))
      .map(async (fix) => ({ ...fix, program: await shipped(fix.program) })),
  );
  let text = '';
  const collect = (written: string) => {
    text += written;
  };
  assert.equal(await runFix(['list', '--lang', 'en'], collect, listed), 0);
  const rows = text.split('\n').filter((line) => /^\d+ {2}/.test(line));
  assert.deepEqual(
    rows.map((row) => row.split(' ')[0]),
    ['1', '8'],
  );
  for (const row of rows) assert.match(row, /: (passes|fails|cannot check here) {2}\(\S*\d\d-[a-z0-9-]+\.ts\)$/);
  assert.match(text, /^Next: npm run fix -- 1$/m, 'the first that does not pass yet');
});

test('npm run fix with no such exercise, no such file, or nothing: one line, exit 2', async () => {
  const run = await runScript('scripts/lib/fix.ts', ['99'], { env: ENGLISH_LOCALE });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /^error: no fix exercise "99"; there are 1, 2, .*\n$/);
  // The same code path in this process for the other cases.
  for (const args of [['one'], [], ['list', 'mine.ts'], ['1', 'a', 'b']])
    await assert.rejects(
      runFix(args, () => {}),
      (error: Error) => error instanceof UsageError,
    );
  let help = '';
  assert.equal(await runFix(['--help'], (text) => (help += text)), 0, '--help is the usage, exit 0');
  assert.equal(help, `${FIX_TEXT.en.usage}\n`);
  await assert.rejects(
    runFix(['1', 'no-such-copy.ts'], () => {}),
    (error: Error) => error instanceof UsageError && error.message === 'no file no-such-copy.ts',
  );
  // A flag the runner does not take is named as one, not looked up as an exercise or a file.
  for (const args of [['--watch'], ['1', '--hint']])
    await assert.rejects(
      runFix(args, () => {}),
      (error: Error) =>
        error instanceof UsageError && error.message === FIX_TEXT.en.badFlags(`Unknown option '${args.at(-1)}'`),
    );
});

test('in Korean: the listing (--lang ko); on a terminal under a Korean locale, the hint, NOTES.ko.md', async () => {
  const ko = FIX_TEXT.ko;
  // The listing in this process, as the English one above: two of the quick checks, as shipped.
  const listed = await Promise.all(
    fixes
      .filter((fix) => ['1', '8'].includes(fix.number))
      .map(async (fix) => ({ ...fix, program: await shipped(fix.program) })),
  );
  let text = '';
  assert.equal(await runFix(['list', '--lang', 'ko'], (written) => (text += written), listed), 0);
  const rows = text.split('\n');
  for (const fix of listed) {
    const { title } = await loadCheck(fix);
    const row = rows.find((line) => line.startsWith(`${fix.number}  `)) ?? '';
    const states = [ko.passes, ko.fails, ko.cannotCheck].join('|');
    assert.match(row, new RegExp(`^${fix.number} {2}${title.ko}: (${states}) {2}\\(${fix.program}\\)$`), row);
  }
  assert.ok(rows.includes(ko.next(listed[0].number)), 'the first that fails (both do as shipped)');
  // The runner as a learner starts it: no --lang, a Korean locale, a terminal. Exercise 1 as
  // shipped, named as a file (the learner may have fixed their copy in its place already).
  const program = await shipped(fixes[0].program);
  const one = await onATerminal('scripts/lib/fix.ts', ['1', program], '', KOREAN_LOCALE);
  assert.equal(one.code, 1, one.output);
  const lines = one.output.replaceAll('\r', '').trim().split('\n');
  assert.equal(lines[0], `1  줄마다 답하는 서버  (${program})`);
  assert.match(
    lines[1],
    /^실패: write\(\) 한 번에 하나씩 보낸 것: "hello\\nwor", .*; 돌아온 답: HELLO, WOR \(여기서 와야 할 답: WORLD\)$/,
    'what the check saw, in Korean; what the program answered, as it answered',
  );
  assert.equal(lines[2], ko.hint((await loadCheck(fixes[0])).hint.ko));
  assert.equal(lines[3], '읽을 곳: NOTES.ko.md §2.5 read()와 write(): 메시지가 아니라 바이트 스트림 (06-read-write)');
  assert.equal(lines[4], ko.editAgain(program, `1 ${program}`));
});

test('in Korean, a check that cannot run here says why in Korean; in English, in English', async () => {
  // Only this Node on PATH: unshare and prlimit (in /usr/bin) are not found, ip may be (/usr/sbin is searched too).
  const path = { PATH: dirname(process.execPath) };
  const cannot = (lang: 'en' | 'ko', number: string) =>
    runScript('scripts/lib/fix.ts', ['--lang', lang, number], { env: { ...path, ...KOREAN_LOCALE } });
  const [english, ...runs] = await Promise.all([
    cannot('en', '5'),
    ...['2', '5', '7'].map((number) => cannot('ko', number)),
  ]);
  for (const run of [english, ...runs]) assert.equal(run.code, 1, run.stdout + run.stderr);
  const [localhost, greeting, admin] = runs.map((run) => run.stdout.trim().split('\n')[1]);
  const cannotCheck = FIX_TEXT.ko.cannotCheck;
  assert.equal(localhost, `${cannotCheck}: unshare 명령이 설치되어 있지 않습니다 (apt-get install util-linux)`);
  assert.equal(greeting, `${cannotCheck}: prlimit 명령이 설치되어 있지 않습니다 (apt-get install util-linux)`);
  assert.equal(admin, `${cannotCheck}: unshare와 ip 명령이 필요합니다 (apt-get install util-linux iproute2)`);
  assert.match(english.stdout, /^cannot check here: prlimit is not installed \(apt-get install util-linux\)$/m);
  assert.doesNotMatch(english.stdout, /\p{Script=Hangul}/u);
});

test('every check has a Korean title and hint, and every Korean line of the runner is said in Hangul', async () => {
  for (const fix of fixes) {
    const check = await loadCheck(fix);
    assertKorean(check.title.ko, `${fix.checkModule} title.ko`);
    assertKorean(check.hint.ko, `${fix.checkModule} hint.ko`);
  }
  const ko = FIX_TEXT.ko;
  // A Record over FixText's keys: a message added without a sample here does not compile.
  const said: Record<keyof FixText, string> = {
    usage: ko.usage,
    badFlags: ko.badFlags("Unknown option '--watch'"),
    noExercise: ko.noExercise('99', ['1', '2']),
    noFile: ko.noFile('mine.ts'),
    passes: ko.passes,
    fails: ko.fails,
    cannotCheck: ko.cannotCheck,
    next: ko.next('1'),
    allPass: ko.allPass,
    hint: ko.hint('…'),
    read: ko.read('NOTES.ko.md §2.5'),
    editAgain: ko.editAgain('scripts/fix/01-shout-server.ts', '1'),
  };
  assertAllKorean(said, 'FIX_TEXT.ko');
  const run = await runScript('scripts/lib/fix.ts', ['99'], { env: KOREAN_LOCALE });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /^error: "99": 그런 버그 고치기 문제는 없습니다\. 있는 번호: 1, 2, .*\n$/);
});
