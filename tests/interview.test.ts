/**
 * `npm run exercise -- interview`: classic interview questions, each judged by a fresh measurement
 * of the lab that shows it, in Korean or English. Run as a learner runs it: on a real terminal
 * under a Korean locale, and with --answers. The questions run here are the fast ones (09, 06 and 10's
 * observations, about two seconds); every question's words are checked in both languages.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { nodeArgsFor, startAllowanceMs } from '../scripts/lib/child.ts';
import { UsageError } from '../scripts/lib/cli.ts';
import type { ExerciseIo } from '../scripts/lib/exercise.ts';
import { INTERVIEW_IDS, interview } from '../scripts/lib/interview.ts';
import { INTERVIEW_WORDS } from '../scripts/lib/messages/interview.ts';
import { runTool } from '../scripts/lib/tools.ts';
import { ENGLISH_LOCALE, NOT_UNDER_A_RUNNER, onATerminal } from './lib/terminal.ts';
import { toolOrSkip } from './lib/tools.ts';
import { ROOT, runScript } from './lib/transcript.ts';

const HANGUL = /[\uac00-\ud7a3]/;

/** Runs the interview in this process, without a terminal, and returns what it wrote. */
async function interviewHere(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  let written = '';
  const io: ExerciseIo = { input: new PassThrough(), terminal: false, write: (text) => (written += text), env };
  assert.equal(await interview(args, io), 0);
  return written;
}

const JUDGED = '--answers: right answers and wrong ones, judged by what the labs measured, with the section to read';
test(JUDGED, async () => {
  // Asked in the interview's order. 09's unanswered client waits in SYN_SENT, not SYN_RECV; five TCP writes to a
  // paused reader come out as one read, and five UDP sends as five messages.
  const args = ['udp-boundaries', 'tcp-boundaries', 'unanswered-syn', '--answers', 'b,5,5', '--lang', 'en'];
  const text = await interviewHere(args);
  assert.match(text, /^Measuring \(09-tcp-handshake, 06-read-write, 10-udp-fire-and-forget\)\.\.\.$/m);
  assert.match(text, /^1\. wrong: you said b\) SYN_RECV; the kernel: a\) SYN_SENT$/m);
  assert.match(text, /^2\. wrong: you said 5; the kernel: 1$/m);
  assert.match(text, /^3\. right: 5$/m);
  assert.match(text, /^ {3}read: NOTES\.md §4\.2 UDP: fire and forget \(10-udp-fire-and-forget\)$/m);
  assert.match(text, /^ {3}measured by: npm run exercise -- 06$/m);
  assert.match(text, /^1 of 3 measured questions right\.$/m);
});

const SHOWN =
  'without a terminal or answers: each question shown with the answer measured, in Korean under a Korean locale';
test(SHOWN, async () => {
  const text = await interviewHere(['time-wait', 'close-wait'], { LANG: 'ko_KR.UTF-8' });
  assert.match(text, /^커널이 측정으로 답한 질문:$/m);
  assert.match(text, /^1\. 양쪽이 모두 연결을 닫은 뒤/m);
  assert.match(text, /^ {3}커널: a\) 먼저 닫은 쪽 \(첫 FIN을 보낸 쪽\)$/m);
  assert.match(text, /^ {3}커널: a\) CLOSE_WAIT$/m);
  assert.match(text, /^ {3}이유: 먼저 닫은 쪽이 마지막 ACK를 보내고 .*\(읽었을 때 (\d+|\?)초 남음\)/m);
  assert.match(text, /^ {3}읽을 곳: NOTES\.ko\.md §4\.1 3-way 핸드셰이크와 연결 상태 \(09-tcp-handshake\)$/m);
});

test('every question has its words in both languages: Korean in the Korean, none in the English', () => {
  for (const id of INTERVIEW_IDS) {
    for (const lang of ['en', 'ko'] as const) {
      const words = INTERVIEW_WORDS[lang].questions[id];
      const asked =
        typeof words.ask === 'function'
          ? words.ask({ backlog: 3, extra: 2, messages: 5, datagrams: 5, loss: 10, kib: 64 })
          : words.ask;
      const options = 'options' in words ? Object.values(words.options) : [];
      assert.ok(asked.length > 0, `${lang} ${id}`);
      if (lang === 'ko') assert.match(asked, HANGUL, `${id}: the Korean question is in Korean`);
      else assert.doesNotMatch([asked, ...options].join(' '), HANGUL, `${id}: the English has no Hangul`);
    }
  }
});

test('on a terminal under a Korean locale: asks in Korean first, again after a bad answer, then judges', async () => {
  const run = await onATerminal(
    'scripts/lib/exercise.ts',
    ['interview', 'udp-boundaries', 'unanswered-syn'],
    'x\nc\n5\n',
    { LANG: 'ko_KR.UTF-8', LC_ALL: '', LC_MESSAGES: '' },
  );
  assert.equal(run.code, 0, run.output);
  const asked = run.output.indexOf('2. UDP 클라이언트가 크기가 서로 다른 메시지 5개');
  const measuring = run.output.indexOf('측정 중 (09-tcp-handshake, 10-udp-fire-and-forget)');
  assert.ok(asked >= 0 && measuring > asked, 'the question comes before the measurement');
  assert.match(run.output, /"x"는 a, b, c 중 하나가 아니다\./);
  assert.match(run.output, /^1\. 오답: 내 답 c\) ESTABLISHED, 커널: a\) SYN_SENT\r?$/m);
  assert.match(run.output, /^2\. 정답: 5\r?$/m);
  assert.match(run.output, /^ {3}읽을 곳: NOTES\.ko\.md §4\.2 UDP: 보내고 잊기 \(10-udp-fire-and-forget\)\r?$/m);
  assert.match(run.output, /^측정한 질문 2개 중 1개 정답\.\r?$/m);
  // The labs' demos only measure here: none of their lines comes between the questions and the verdicts.
  assert.doesNotMatch(run.output, /lesson │|── the lab/);
});

test('bad input: one line and exit 2, before anything is measured', async () => {
  const run = await runScript('scripts/lib/exercise.ts', ['interview', 'tcp-is-reliable'], {
    env: { ...NOT_UNDER_A_RUNNER, ...ENGLISH_LOCALE },
  });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /^error: "tcp-is-reliable" is not an interview question; the questions: time-wait, /);
  assert.equal(run.stderr.split('\n').length, 2, 'one line');
  const io: ExerciseIo = { input: new PassThrough(), terminal: false, write: () => {}, env: {} };
  for (const [args, message] of [
    [['time-wait', '--answers', 'a,b'], 'the interview asks 1 question; --answers gave 2 (write ? to skip one)'],
    [['backlog-count', '--answers', 'four', '--lang', 'ko'], '1번 답("four")은 정수여야 한다'],
    [['--lang', 'fr'], '--lang takes en or ko'],
  ] as const) {
    await assert.rejects(
      interview(args, io),
      (error: Error) => error instanceof UsageError && error.message === message,
      message,
    );
  }
});

test('a question whose lab needs namespaces this account cannot make is reported as not measured', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root, to run the interview as nobody');
  const setpriv = await toolOrSkip(t, 'setpriv');
  if (!setpriv) return;
  // As nobody, unshare is refused at once: 16's two hosts are never made, and nothing waits for them.
  const asNobody = ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all'];
  const interviewArgs = nodeArgsFor('scripts/lib/exercise.ts', ['interview', 'write-delivered', '--answers', 'b']);
  const run = await runTool(setpriv, [...asNobody, process.execPath, ...interviewArgs], startAllowanceMs(), ROOT, {
    LANG: 'ko_KR.UTF-8',
    ...NOT_UNDER_A_RUNNER,
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^1\. 여기서는 측정하지 못했다: two hosts need network namespaces/m);
  assert.match(run.stdout, /^측정한 질문 0개 중 0개 정답\.$/m);
});
