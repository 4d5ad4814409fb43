/**
 * What the exercise runner says to a learner in Korean (`--lang ko`, or under a Korean locale).
 * Typed as the English messages: a message missing here, or one taking other arguments, does not
 * compile. System calls, errnos, flags and commands stay as they are typed.
 */
import type { Entry } from '../catalog.ts';
import type { KnobSet } from '../cli.ts';
import type { ClaimCounts, ExerciseText } from './exercise.ts';
import { BAD_FLAGS } from '../lang.ts';
import { LEVEL_WORDS } from './levels.ts';

export const exerciseTextKo: ExerciseText = {
  usage: '사용법: npm run exercise [-- NN [--answers 4,b,?] [--no-claims] [--verbose] | -- interview] [--lang en|ko]',
  badFlags: BAD_FLAGS.ko,
  nameOne: '개념은 하나만 고르세요. 예: npm run exercise -- 04',
  noConcept: (name: string, numbers: readonly string[]) =>
    `"${name}"라는 개념은 없습니다. 있는 번호: ${numbers.join(', ')}`,
  badKnob: (problem: string) => `설정값이 잘못되었습니다(${problem})`,
  answerCount: (script: string, asked: number, given: number, skip: string) =>
    `${script}의 질문은 ${asked}개인데 --answers의 답은 ${given}개입니다(건너뛸 질문에는 ${skip}를 쓰세요)`,
  badGivenAnswer: (number: number, text: string, hint: string) => `${number}번 답("${text}")은 ${hint}여야 합니다`,
  wholeNumber: '정수',
  oneOf: (letters: readonly string[]) => `${letters.join(', ')} 중 하나`,
  prompt: (hint: string, skip: string) => `예측(${hint}, 건너뛰려면 ${skip}): `,
  notValid: (text: string, hint: string) => `"${text}": ${hint}가 아닙니다.\n`,
  noneOfTheOptions: (value: string | number) => `${value} (보기에 없는 값)`,
  read: (section: string) => `   읽을 곳: NOTES.ko.md ${section}`,
  unmeasured: (number: number, reason: string) => `${number}. 이번 실행에서는 재지 못함: ${reason}`,
  kernelSaid: (kernel: string) => `   커널의 답: ${kernel}`,
  skipped: (number: number, kernel: string) => `${number}. 건너뜀. 커널의 답: ${kernel}`,
  right: (number: number, kernel: string) => `${number}. 맞음: ${kernel}`,
  wrong: (number: number, said: string, kernel: string) => `${number}. 틀림: 예측은 ${said}, 커널의 답은 ${kernel}`,
  why: (sentence: string) => `   이유: ${sentence}`,
  noKnobs: '설정값 없음',
  knobAdvice: (name: string, value: number, number: string, current: number) =>
    `  ${name}=${value} npm run exercise -- ${number} --lang ko   (이번 실행: ${name}=${current})`,
  readSection: (section: string) => `읽을 곳: NOTES.ko.md ${section}`,
  runYourself: (run: string) => `데모를 직접 실행해 보세요: ${run}`,
  noKnobsAdvice:
    '이 개념에는 바꿔 볼 설정값이 없습니다. 스크립트를 직접 고치고, 테스트가 무엇이라고 할지 예측해 보세요.',
  turnAKnob: '설정값(환경 변수)을 바꾸고 다시 예측해 보세요(답도 따라 바뀝니다):',
  // The script headers describe their knobs in English; here each knob of the exercise by its range.
  knobList: (_entry: Entry, set: KnobSet<string>) => [
    ...Object.entries(set.knobs).map(([name, { fallback, min, max }]) => `${name}: ${min}~${max}, 기본값 ${fallback}`),
    // readKnobs() applies the rule between the knobs before any question.
    ...(set.check ? ['설정값끼리 지켜야 할 규칙도 있습니다. 어긋나면 질문 전에 한 줄로 알려 줍니다.'] : []),
  ],
  progressHeading: (path: string) => `지금까지의 예측(${path}), 노트 순서대로:`,
  progressRow: (entry: Entry, title: string, done: number, asked: number) =>
    `${LEVEL_WORDS.ko[entry.level]}  ${title}: ${asked}개 중 ${done}개 맞힘`,
  basicsFirst: '기초를 먼저, 심화는 그다음에 하세요.',
  interviewToo: '네트워크 면접 단골 질문을 커널이 채점합니다: npm run exercise -- interview',
  next: (number: string) => `다음: npm run exercise -- ${number} --lang ko`,
  allDone: '모든 질문을 한 번씩 맞혔습니다. 설정값을 바꾸고 다시 예측해 보세요. 설정이 바뀌면 새로운 예측입니다.',
  start: (entry: Entry, title: string, setting: string, count: number) =>
    `${entry.number} ${title} (${setting}): 질문 ${count}개. 먼저 예측하고, 그다음 실행합니다.`,
  demo: '커널이 실행한 데모:',
  judged: (predicted: boolean) => `${predicted ? '내 예측과 커널의 답' : '질문과 커널의 답'}:`,
  score: (right: number, count: number, setting: string) => `${setting}에서 ${count}개 중 ${right}개 맞힘.`,
  claimsRunning: (test: string) => `이 개념의 주장을 확인하는 중(${test})...`,
  claimsSummary: (counts: ClaimCounts) => {
    const failed = counts.failed + counts.cancelled;
    const skipped = counts.skipped + counts.todo;
    const skips = skipped === 0 ? '' : `, ${skipped}개 건너뜀(이유는 --verbose로)`;
    const failures = failed === 0 ? '실패 없음' : `${failed}개 실패(아래에 보임)`;
    return `주장: ${counts.tests}개 중 ${counts.passed}개 통과${skips}, ${failures}.`;
  },
  failedClaim: (name: string) => `✖ 실패: ${name}`,
};
