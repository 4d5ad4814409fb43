/**
 * `npm run exercise` in Korean: with `--lang ko` or under a Korean locale it asks, judges and points
 * to NOTES.ko.md in Korean, and every question has its Korean. `--lang en` keeps it English.
 * Run as a learner runs it: on a real terminal, with --answers, and with neither.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { listEntries, selectEntries } from '../scripts/lib/catalog.ts';
import { readKnobs, UsageError } from '../scripts/lib/cli.ts';
import { exercise, type ExerciseIo, loadConcept, nextSteps, voiceOf } from '../scripts/lib/exercise.ts';
import { exerciseText } from '../scripts/lib/messages/exercise.ts';
import { exerciseTextKo } from '../scripts/lib/messages/exercise-ko.ts';
import { NOT_UNDER_A_RUNNER, onATerminal } from './lib/terminal.ts';

const HANGUL = /\p{Script=Hangul}/u;
/** A Korean locale as a learner's shell has it: LANG only, nothing above it to override it. */
const KOREAN_LOCALE = { LANG: 'ko_KR.UTF-8', LC_ALL: undefined, LC_MESSAGES: undefined };

const scratch = await mkdtemp(join(tmpdir(), 'socket-notes-progress-ko-'));
test.after(() => rm(scratch, { recursive: true, force: true }));
let files = 0;
/** A progress file of its own for each run, so no test sees another's answers. */
const progressFile = () => join(scratch, `progress-${++files}.json`);

/** An exercise in this process, without a terminal: what it wrote, or its rejection. */
function exerciseHere(args: string[], env: NodeJS.ProcessEnv = {}) {
  let written = '';
  const io: ExerciseIo = {
    input: new PassThrough(),
    terminal: false,
    write: (text) => (written += text),
    env: { SOCKET_NOTES_PROGRESS: progressFile(), ...env },
  };
  return { run: exercise(args, io), written: () => written };
}

test("every question's Korean is there: ask, options, unit and why, each in Hangul", async () => {
  let questions = 0;
  for (const entry of listEntries()) {
    const { exercise: concept } = await loadConcept(entry);
    const knobs = readKnobs(concept.knobs, {});
    for (const question of concept.questions) {
      const name = `${entry.number} ${question.id}`;
      const ask = question.ask.ko(knobs);
      assert.match(ask, HANGUL, `${name}: ${ask}`);
      assert.notEqual(ask, question.ask.en(knobs), name);
      // why needs a run's observations; the Korean sentence must be written in its source.
      assert.match(question.why.ko.toString(), HANGUL, `${name}: why.ko`);
      if (question.kind === 'number' && question.unit) assert.match(question.unit.ko, HANGUL, name);
      if (question.kind === 'choice')
        for (const [value, text] of question.options) {
          // An option that is a name (ECONNREFUSED, SYN_SENT, 127.0.0.1) reads the same in Korean.
          assert.ok(text.ko !== '' && (HANGUL.test(text.ko) || text.ko === text.en), `${name} ${value}: ${text.ko}`);
        }
      questions++;
    }
  }
  assert.ok(questions >= 25, `${questions} questions`);
});

test('every message of the runner has its Korean', () => {
  assert.deepEqual(Object.keys(exerciseTextKo).sort(), Object.keys(exerciseText).sort());
  for (const [key, message] of Object.entries(exerciseTextKo)) {
    const text = typeof message === 'function' ? message.toString() : message;
    assert.match(text, HANGUL, key);
  }
});

test('--lang ko on a terminal: Korean questions, prompts, verdicts, why, and NOTES.ko.md to read', async () => {
  // 03 with CLIENTS=3: 4 rows on the port, the listener's port, 7 descriptors. Typed: a typo, one right, two wrong.
  const run = await onATerminal('scripts/lib/exercise.ts', ['03', '--no-claims', '--lang', 'ko'], 'x\n4\nc\n9\n', {
    CLIENTS: '3',
    SOCKET_NOTES_PROGRESS: progressFile(),
  });
  assert.equal(run.code, 0, run.output);
  const asked = run.output.indexOf('1. 클라이언트 3개가 연결한 채로 있다.');
  const ran = run.output.indexOf('커널이 실행한 데모:');
  assert.ok(asked >= 0 && ran > asked, `the question comes before the demo:\n${run.output}`);
  assert.match(run.output, /예측\(정수, 건너뛰려면 \?\): /);
  assert.match(run.output, /^ {3}a\) 리스너의 포트\r?$/m);
  assert.match(run.output, /"x": 정수가 아닙니다\./);
  assert.match(run.output, /^1\. 맞음: 4\r?$/m);
  assert.match(run.output, /^2\. 틀림: 예측은 c\) 클라이언트의 포트, 커널의 답은 a\) 리스너의 포트\r?$/m);
  assert.match(run.output, /^3\. 틀림: 예측은 9, 커널의 답은 7\r?$/m);
  assert.match(run.output, /^ {3}이유: 리스너에 하나, 연결마다 둘\(클라이언트 쪽 끝과 accept된 끝\): 1 \+ 2 × 3\r?$/m);
  assert.match(run.output, /^ {3}읽을 곳: NOTES\.ko\.md §3\.1 소켓은 파일 디스크립터다 \(07-socket-descriptor\)\r?$/m);
  assert.match(run.output, /^CLIENTS=3에서 3개 중 1개 맞힘\.\r?$/m);
  assert.match(
    run.output,
    /^읽을 곳: NOTES\.ko\.md §2\.2 accept\(\)는 클라이언트마다 새 소켓을 준다 \(03-accept\)\r?$/m,
  );
  assert.doesNotMatch(run.output, /NOTES\.md|right:|wrong:|why:/, 'no English pointer or verdict');
});

test('under LANG=ko_KR.UTF-8 on a terminal: Korean without --lang, the claims summed up in Korean', async () => {
  // 07 with FILES=3: the lowest free number, three files two apart, the freed number reused.
  const run = await onATerminal('scripts/lib/exercise.ts', ['07'], 'a\n2\na\n', {
    ...KOREAN_LOCALE,
    FILES: '3',
    SOCKET_NOTES_PROGRESS: progressFile(),
  });
  assert.equal(run.code, 0, run.output);
  assert.match(run.output, /^1\. 프로세스가 소켓 네 개를 연 채 평범한 파일을 연다\./m);
  assert.match(run.output, /^1\. 맞음: a\) 소켓들이 번호를 받은 바로 그 테이블에서, 비어 있는 가장 작은 번호\r?$/m);
  assert.match(
    run.output,
    /^ {3}이유: open\(\)은 매번 비어 있는 가장 작은 번호를 받는다\. 여기서는 \d+, \d+, \d+\r?$/m,
  );
  assert.match(run.output, /^FILES=3에서 3개 중 3개 맞힘\.\r?$/m);
  assert.match(run.output, /^ {2}FILES=5 npm run exercise -- 07 --lang ko {3}\(이번 실행: FILES=3\)\r?$/m);
  // FILES=3 is not the default, so the one claim about NOTES.md's diagram (drawn at the default) skips.
  assert.match(run.output, /^주장: \d+개 중 \d+개 통과, 1개 건너뜀\(이유는 --verbose로\), 실패 없음\.\r?$/m);
});

test('--lang en under a Korean locale: English, as before', async () => {
  const run = await onATerminal('scripts/lib/exercise.ts', ['07', '--no-claims', '--lang', 'en'], 'a\n2\na\n', {
    ...KOREAN_LOCALE,
    FILES: '3',
    SOCKET_NOTES_PROGRESS: progressFile(),
  });
  assert.equal(run.code, 0, run.output);
  assert.match(run.output, /^1\. right: a\) the lowest free number/m);
  assert.match(run.output, /^ {3}read: NOTES\.md §3\.1 A socket is a file descriptor \(07-socket-descriptor\)\r?$/m);
  assert.match(run.output, /^3 of 3 right at FILES=3\.\r?$/m);
  assert.doesNotMatch(run.output, HANGUL);
});

test('without answers, in Korean: each question with the kernel answer, and what could not be measured', async () => {
  // EXTRA=0: no client goes beyond the accept queue, so the two questions about such a client are not measured.
  const { run, written } = exerciseHere(['04', '--no-claims', '--lang', 'ko'], { EXTRA: '0' });
  assert.equal(await run, 0);
  assert.match(written(), /^질문과 커널의 답:$/m);
  assert.match(written(), /^1\. 서버가 BACKLOG=3 설정으로 listen하고, .*클라이언트 4개가 connect\(\)를 호출한다\./m);
  assert.match(written(), /^ {3}커널의 답: 4$/m);
  assert.match(written(), /^3\. 이번 실행에서는 재지 못함: EXTRA=0: 큐를 넘어선 클라이언트가 없다$/m);
  assert.match(written(), /^ {2}BACKLOG: 1~\d+, 기본값 3$/m);
  assert.match(written(), /^ {2}설정값끼리 지켜야 할 규칙도 있습니다\./m);
});

test('the progress list and its next step in Korean, titled by NOTES.ko.md', async () => {
  const { run, written } = exerciseHere([], KOREAN_LOCALE);
  assert.equal(await run, 0);
  assert.match(written(), /^07: +기초 +소켓은 파일 디스크립터다: 3개 중 0개 맞힘$/m);
  assert.match(written(), /^12: 심화 .*맞힘$/m);
  assert.match(written(), /^기초를 먼저, 심화는 그다음에 하세요\.$/m);
  assert.match(written(), /^다음: npm run exercise -- 01 --lang ko$/m);
});

test('knob advice and a concept without knobs, in Korean', async () => {
  const ko = voiceOf('ko');
  const advice = nextSteps(await loadConcept(selectEntries(['04'])[0]), { BACKLOG: 1, EXTRA: 2 }, ko);
  assert.match(advice, /^ {2}BACKLOG=3 npm run exercise -- 04 --lang ko {3}\(이번 실행: BACKLOG=1\)$/m);
  assert.match(advice, /^ {2}EXTRA=1 npm run exercise -- 04 --lang ko {3}\(이번 실행: EXTRA=2\)$/m);
  const none = nextSteps(await loadConcept(selectEntries(['09'])[0]), {}, ko);
  assert.match(none, /^이 개념에는 바꿔 볼 설정값이 없습니다/m);
  assert.match(none, /^읽을 곳: NOTES\.ko\.md §4\.1 3-way 핸드셰이크와 연결 상태 \(09-tcp-handshake\)$/m);
});

test('usage errors in Korean: one line, before any demo', async () => {
  for (const [args, message] of [
    [['03', '04'], /^개념은 하나만 고르세요\. 예: npm run exercise -- 04$/],
    [['03', '--answers', '4,a'], /^03의 질문은 3개인데 --answers의 답은 2개입니다\(건너뛸 질문에는 \?를 쓰세요\)$/],
    [['03', '--answers', '4,z,?'], /^2번 답\("z"\)은 a, b, c 중 하나여야 합니다$/],
    [['03', '--answer', '4'], /^옵션이 잘못되었습니다\(.*\)\. 사용법: npm run exercise /],
    [['99'], /^"99"라는 개념은 없습니다\. 있는 번호: 01, 02, 03, 04, .* 17$/],
    [['04'], /^설정값이 잘못되었습니다\(knob EXTRA must be at most BACKLOG \+ 1 = 4, got 9\)$/],
  ] as const) {
    const { run, written } = exerciseHere([...args, '--lang', 'ko'], { ...NOT_UNDER_A_RUNNER, EXTRA: '9' });
    await assert.rejects(run, (error: Error) => error instanceof UsageError && message.test(error.message));
    assert.doesNotMatch(written(), /커널이 실행한 데모/);
  }
});
