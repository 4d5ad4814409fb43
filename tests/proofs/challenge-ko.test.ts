/**
 * `npm run challenge` in Korean (`--lang ko`, or under a Korean locale): every attack's claim and
 * hints, the runner's own words, the listing and a failed check with its frame. What a failed
 * step saw (its sentence, the bytes, the kernel's rows) stays English; so does all of an English
 * run, whatever the locale.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { headerTags } from '../../scripts/lib/catalog.ts';
import { type ChallengeIo, challenge, listLevels, loadLevel, renderWire } from '../../scripts/lib/challenge.ts';
import { HANGUL } from '../../scripts/lib/editions.ts';
import { CHALLENGE_TEXT, type ChallengeText } from '../../scripts/lib/messages/challenge.ts';
import { assertAllKorean, assertKorean, KOREAN_LOCALE } from '../lib/korean.ts';
import { shipped, shippedText } from '../lib/shipped.ts';
import { linuxOnly } from '../lib/tools.ts';
import { ROOT, runScript } from '../lib/transcript.ts';

const levels = listLevels();
/** A server that fails level 1's first attack, as the sample in NOTES.md shows with this seed. */
const WRONG = 'tests/challenge/wrong/01-utf8-decoding.ts';
const SEED = '7';

/** An io that keeps what the runner writes, with its progress file in a scratch folder of the test's own. */
async function collecting(t: TestContext, env: NodeJS.ProcessEnv) {
  const scratch = await mkdtemp(join(tmpdir(), 'socket-notes-challenge-ko-'));
  t.after(() => rm(scratch, { recursive: true, force: true }));
  const io = {
    text: '',
    write(written: string) {
      io.text += written;
    },
    env: { ...env, SEED, SOCKET_NOTES_PROGRESS: join(scratch, 'progress.json') },
    cwd: ROOT,
  } satisfies ChallengeIo & { text: string };
  return io;
}

/**
 * The lines a failed check prints that are the runner's own: not the step's sentence (the line
 * after the step's), a wire's rows of bytes, the kernel's rows, or the blank lines between them.
 */
function runnersOwnLines(output: string): Record<string, string> {
  const lines = output.split('\n');
  const step = lines.findIndex((line) => /^ {2}\S+ {2}\d+\/\d+ /.test(line));
  const own = lines.filter(
    (line, i) => i !== step + 1 && line.trim() !== '' && !/^ {8}[0-9a-f]{8} {2}/.test(line) && !/^ {10}/.test(line),
  );
  return Object.fromEntries(own.map((line, i) => [`line ${i + 1}`, line]));
}

test("every level's title and rules (@task-ko), and every attack's claim and hints, in Korean", async () => {
  for (const entry of levels) {
    const { title, attacks } = await loadLevel(entry);
    assertKorean(title.ko, `level ${entry.number}: title`);
    // The level's rules, in its starter as shipped: English in @task, Korean in @task-ko.
    const rules = headerTags(await shippedText(entry.starter));
    assertKorean(rules['task-ko']?.[0] ?? '', `${entry.starter}: @task-ko`);
    assert.doesNotMatch(rules.task?.[0] ?? '', HANGUL, `${entry.starter}: the English @task`);
    for (const attack of attacks) {
      const where = `level ${entry.number}, ${attack.name}`;
      assertKorean(attack.claim.ko, `${where}: claim`);
      assert.doesNotMatch(attack.claim.en, HANGUL, `${where}: the English claim`);
      attack.hints.forEach((hint, i) => {
        assertKorean(hint.ko, `${where}: hint ${i + 1}`);
        assert.notEqual(hint.ko, hint.en, `${where}: hint ${i + 1} is not translated`);
        assert.doesNotMatch(hint.en, HANGUL, `${where}: the English hint ${i + 1}`);
      });
    }
  }
});

test("each of the runner's Korean messages is Korean; a wire's Korean labels line up as the English ones", () => {
  const ko = CHALLENGE_TEXT.ko;
  // Typed by the messages' names: a message added to the table and not here does not compile.
  const said: Record<keyof ChallengeText, string> = {
    usage: ko.usage,
    badFlags: ko.badFlags('Unknown option'),
    noLevel: ko.noLevel('9', ['1', '2']),
    actionAlone: ko.actionAlone('hint', '1'),
    noAttack: ko.noAttack('1', 'nope', ['binary']),
    noFile: ko.noFile('mine.ts'),
    hintsAfterFailure: ko.hintsAfterFailure('1'),
    header: ko.header('1', 'Echo', 'challenges/01-echo.ts', 7),
    ok: ko.ok,
    fail: ko.fail,
    kernelAtThatMoment: ko.kernelAtThatMoment,
    printed: ko.printed('(it printed nothing)'),
    sent: ko.sent,
    due: ko.due,
    cameBack: ko.cameBack,
    offset: ko.offset,
    bytes: ko.bytes(6),
    dueAndCameBack: ko.dueAndCameBack(12, 11),
    atByte: ko.atByte(9, true),
    cannotCheck: ko.cannotCheck('the checker reads /proc, Linux only'),
    replay: ko.replay('SEED=7 npm run challenge -- 1 --attack binary'),
    stuck: ko.stuck('1', 2, 'binary'),
    read: ko.read(['NOTES.ko.md §2.5']),
    everyAttackPassed: ko.everyAttackPassed('1', 'challenges/solutions/01-echo.ts'),
    hint: ko.hint(1, 2, 'binary', '…'),
    noMoreHints: ko.noMoreHints('binary', 'NOTES.ko.md §2.5', '1'),
    noGit: ko.noGit,
    checkoutFailed: ko.checkoutFailed('challenges/01-echo.ts', 'fatal'),
    restored: ko.restored('challenges/01-echo.ts'),
    watching: ko.watching('challenges/01-echo.ts'),
    passes: ko.passes,
    fails: ko.fails('binary'),
    cannotCheckHere: ko.cannotCheckHere,
    listing: ko.listing,
    later: ko.later,
    notBuiltYet: ko.notBuiltYet,
    next: ko.next('2'),
    allPass: ko.allPass,
  };
  assertAllKorean(said, 'CHALLENGE_TEXT.ko');
  // A Hangul syllable takes two columns: the bytes start at column 11 and the caret stands under byte 9.
  const lines = renderWire(
    { sent: Buffer.from('GET a\n'), expected: Buffer.from('VALUE hello\n'), received: Buffer.from('VALUE help\n') },
    'ko',
  );
  assert.deepEqual(lines, [
    '보낸 것    6바이트: "GET a\\n"',
    '           와야 할 것 12바이트, 돌아온 것 11바이트',
    '와야 할 것 "VALUE hello\\n"',
    '돌아온 것  "VALUE help\\n"',
    '                     ^ 바이트 9',
  ]);
});

test('list --lang ko: every line the listing prints is Korean', { skip: linuxOnly }, async (t) => {
  const io = await collecting(t, {});
  // As shipped: a learner who has solved level 1 has their server in the starter's place.
  const starter = await shipped(levels[0].starter);
  assert.equal(await challenge(['list', '--lang', 'ko'], io, [{ ...levels[0], starter }]), 0);
  assert.match(io.text, /^1 {2}에코: binary에서 실패 {2}\(\S*01-echo\.ts\)$/m);
  const printed = io.text.split('\n').filter((line) => line !== '');
  assertAllKorean(Object.fromEntries(printed.map((line, i) => [`line ${i + 1}`, line])), 'list --lang ko');
});

test("a failed check under a Korean locale: the runner's lines are Korean, the step's details English", {
  skip: linuxOnly,
}, async (t) => {
  const io = await collecting(t, KOREAN_LOCALE);
  assert.equal(await challenge(['1', WRONG], io), 1);
  const own = runnersOwnLines(io.text);
  assertAllKorean(own, 'a failed check in Korean');
  const labels = [
    '보낸 것',
    '오프셋',
    '그 순간 커널이 본 상태:',
    '이 공격을 똑같이 다시 실행하기:',
    '읽을 곳: NOTES.ko.md',
  ];
  for (const label of labels)
    assert.ok(
      Object.values(own).some((line) => line.includes(label)),
      label,
    );
  // What the step saw stays as the checker wrote it.
  assert.match(io.text, /^ {8}the echo of all 256 byte values: the bytes differ$/m);
  assert.match(io.text, /^ {10}a client, the server's end: +127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+ {2}ESTABLISHED/m);
  io.text = '';
  assert.equal(await challenge(['1', '--hint'], io), 0);
  assert.match(io.text, /^binary에 대한 힌트 2개 중 1번째: \S/);
  assertKorean(io.text, 'the first hint');
});

test('--lang en under a Korean locale: a failed check and its hint have no Hangul', { skip: linuxOnly }, async (t) => {
  const io = await collecting(t, KOREAN_LOCALE);
  assert.equal(await challenge(['1', WRONG, '--lang', 'en'], io), 1);
  assert.equal(await challenge(['--lang', 'en', '1', '--hint'], io), 0);
  assert.match(io.text, /^hint 1 of 2 for binary: /m);
  assert.doesNotMatch(io.text, HANGUL);
});

test('a bad --lang, or a usage error in Korean: one line, exit 2', async () => {
  for (const args of [
    ['list', '--lang', 'fr'],
    ['1', '--lang'],
  ]) {
    const run = await runScript('scripts/lib/challenge.ts', args);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, /^error: --lang takes en or ko\n$/, args.join(' '));
  }
  const run = await runScript('scripts/lib/challenge.ts', ['99'], { env: KOREAN_LOCALE });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /^error: "99": 그런 도전 과제 레벨은 없습니다\. 있는 레벨: 1, 2, [^\n]*\n$/);
});
