/**
 * Everything the challenge runner (`npm run challenge`) says to a learner, in each language the
 * runners speak. The Korean text has the English one's type, so a line missing in Korean does not
 * compile. Each attack's claim and hints are given per language by its level (tests/challenge/);
 * what a failed step saw (its sentence, the bytes, the kernel's rows) stays English, as the labs'
 * transcripts do.
 */
import { BAD_FLAGS, type Lang } from '../lang.ts';

const COMMANDS =
  'npm run challenge -- list | N [FILE] [--watch] [--attack NAME] | N --hint | N --solution | N --reset [--lang en|ko]';

export interface ChallengeText {
  usage: string;
  /** `problem` is parseArgs' own sentence about the flag, in English. */
  badFlags: (problem: string) => string;
  noLevel: (given: string, numbers: readonly string[]) => string;
  actionAlone: (action: string, number: string) => string;
  noAttack: (number: string, given: string, names: readonly string[]) => string;
  noFile: (path: string) => string;
  hintsAfterFailure: (number: string) => string;
  /** The first line of a check: "level 1, Echo: checking challenges/01-echo.ts  (SEED=7)". */
  header: (number: string, title: string, file: string, seed: number) => string;
  /** A step's verdict: both words take the same width in a terminal, so the step lines stay aligned. */
  ok: string;
  fail: string;
  /** A step's frame around its English details. */
  kernelAtThatMoment: string;
  printed: (printed: string) => string;
  /** The wire's labels, each at most 11 columns wide in a terminal. */
  sent: string;
  due: string;
  cameBack: string;
  offset: string;
  bytes: (count: number) => string;
  dueAndCameBack: (due: number, cameBack: number) => string;
  /** Under the caret: the byte's number, and whether the reply ended before it. */
  atByte: (at: number, ended: boolean) => string;
  /** `reason` is the checker's own, in English: "prlimit is not installed (apt-get install util-linux)". */
  cannotCheck: (reason: string) => string;
  replay: (command: string) => string;
  stuck: (number: string, hints: number, attack: string) => string;
  /** `pointers` are the notes' files with the sections' headings: "NOTES.md §2.5 …". */
  read: (pointers: readonly string[]) => string;
  everyAttackPassed: (number: string, solution: string) => string;
  hint: (given: number, total: number, attack: string, hint: string) => string;
  noMoreHints: (attack: string, pointer: string, number: string) => string;
  noGit: string;
  checkoutFailed: (starter: string, why: string) => string;
  /** `kept`: the copy of the learner's version, when it differed from the last commit. */
  restored: (starter: string, kept?: string) => string;
  watching: (file: string) => string;
  /** A level's verdict in the listing. */
  passes: string;
  fails: (attack: string) => string;
  cannotCheckHere: string;
  /** Said before `list` runs every level's check, which takes seconds. */
  listing: string;
  /** The level the ladder names but does not have yet, and the word for it. */
  later: string;
  notBuiltYet: string;
  next: (number: string) => string;
  allPass: string;
}

const en: ChallengeText = {
  usage: `usage: ${COMMANDS}`,
  badFlags: (problem) => BAD_FLAGS.en(problem, en.usage),
  noLevel: (given, numbers) => `no challenge level "${given}"; there are ${numbers.join(', ')} (${COMMANDS})`,
  actionAlone: (action, number) =>
    `--${action} goes alone with a level number: npm run challenge -- ${number} --${action}`,
  noAttack: (number, given, names) => `level ${number} has no attack "${given}"; it has ${names.join(', ')}`,
  noFile: (path) => `no file ${path}`,
  hintsAfterFailure: (number) => `hints come after a failure; run npm run challenge -- ${number} first`,
  header: (number, title, file, seed) => `level ${number}, ${title}: checking ${file}  (SEED=${seed})`,
  ok: 'ok  ',
  fail: 'FAIL',
  kernelAtThatMoment: 'the kernel, at that moment:',
  printed: (printed) => `the program printed: ${printed}`,
  sent: 'sent',
  due: 'due',
  cameBack: 'came back',
  offset: 'offset',
  bytes: (count) => `${count} bytes`,
  dueAndCameBack: (due, cameBack) => `${due} bytes due, ${cameBack} came back`,
  atByte: (at, ended) => `byte ${at}${ended ? ': nothing more came back' : ''}`,
  cannotCheck: (reason) => `cannot check here: ${reason}`,
  replay: (command) => `replay exactly this attack: ${command}`,
  stuck: (number, hints, attack) =>
    `stuck? npm run challenge -- ${number} --hint   (${hints} hints for ${attack}, one at a time)`,
  read: (pointers) => `read: ${pointers.join('; ')}`,
  everyAttackPassed: (number, solution) =>
    `every attack passed. The reference solution: npm run challenge -- ${number} --solution (${solution})`,
  hint: (given, total, attack, hint) => `hint ${given} of ${total} for ${attack}: ${hint}`,
  noMoreHints: (attack, pointer, number) =>
    `those are all the hints for ${attack}: read ${pointer}, ` +
    `or see a solution: npm run challenge -- ${number} --solution`,
  noGit: 'git is not installed, and the starter is restored from git',
  checkoutFailed: (starter, why) => `git checkout HEAD -- ${starter} failed: ${why}`,
  restored: (starter, kept) =>
    `restored ${starter} as last committed; its hints start over${kept ? `; your version is kept in ${kept}` : ''}`,
  watching: (file) => `watching ${file}: every save runs the check again (Ctrl-C to stop)`,
  passes: 'passes',
  fails: (attack) => `fails ${attack}`,
  cannotCheckHere: 'cannot check here',
  listing: 'checking your file for each level (a few seconds)…',
  later: "Reliable transfer over UDP, across lesson 15's lossy link",
  notBuiltYet: 'not built yet',
  next: (number) => `Next: npm run challenge -- ${number}`,
  allPass: 'Every level passes. Well done.',
};

const ko: ChallengeText = {
  usage: `사용법: ${COMMANDS}`,
  badFlags: (problem) => BAD_FLAGS.ko(problem, ko.usage),
  noLevel: (given, numbers) =>
    `"${given}": 그런 도전 과제 레벨은 없습니다. 있는 레벨: ${numbers.join(', ')} (사용법: ${COMMANDS})`,
  actionAlone: (action, number) =>
    `--${action} 옵션은 레벨 번호와만 함께 씁니다: npm run challenge -- ${number} --${action}`,
  noAttack: (number, given, names) =>
    `레벨 ${number}에는 "${given}"라는 공격이 없습니다. 있는 공격: ${names.join(', ')}`,
  noFile: (path) => `${path}: 그런 파일이 없습니다`,
  hintsAfterFailure: (number) => `힌트는 실패한 뒤에 나옵니다. 먼저 검사를 실행하세요: npm run challenge -- ${number}`,
  header: (number, title, file, seed) => `레벨 ${number}, ${title}: ${file} 검사 중  (SEED=${seed})`,
  ok: '통과',
  fail: '실패',
  kernelAtThatMoment: '그 순간 커널이 본 상태:',
  printed: (printed) => `프로그램이 출력한 내용: ${printed}`,
  sent: '보낸 것',
  due: '와야 할 것',
  cameBack: '돌아온 것',
  offset: '오프셋',
  bytes: (count) => `${count}바이트`,
  dueAndCameBack: (due, cameBack) => `와야 할 것 ${due}바이트, 돌아온 것 ${cameBack}바이트`,
  atByte: (at, ended) => `바이트 ${at}${ended ? ': 그 뒤로는 아무것도 돌아오지 않음' : ''}`,
  cannotCheck: (reason) => `여기서는 검사할 수 없습니다: ${reason}`,
  replay: (command) => `이 공격을 똑같이 다시 실행하기: ${command}`,
  stuck: (number, hints, attack) =>
    `막혔나요? npm run challenge -- ${number} --hint   (${attack}에 대한 힌트 ${hints}개, 한 번에 하나씩)`,
  read: (pointers) => `읽을 곳: ${pointers.join('; ')}`,
  everyAttackPassed: (number, solution) =>
    `모든 공격을 통과했습니다. 참고 풀이: npm run challenge -- ${number} --solution (${solution})`,
  hint: (given, total, attack, hint) => `${attack}에 대한 힌트 ${total}개 중 ${given}번째: ${hint}`,
  noMoreHints: (attack, pointer, number) =>
    `${attack}에 대한 힌트는 이것이 전부입니다. 읽을 곳: ${pointer}. 풀이 보기: npm run challenge -- ${number} --solution`,
  noGit: 'git이 설치되어 있지 않습니다. 시작 파일은 git에서 되살립니다',
  checkoutFailed: (starter, why) => `git checkout HEAD -- ${starter} 실패: ${why}`,
  restored: (starter, kept) =>
    `${starter}: 마지막으로 커밋된 상태로 되돌렸습니다. 힌트도 처음부터 다시 나옵니다` +
    (kept ? `. 고치던 파일은 ${kept}에 남겨 두었습니다` : ''),
  watching: (file) => `${file} 지켜보는 중: 저장할 때마다 다시 검사합니다(멈추려면 Ctrl-C)`,
  passes: '통과',
  fails: (attack) => `${attack}에서 실패`,
  cannotCheckHere: '여기서는 검사할 수 없음',
  listing: '레벨마다 내 파일을 검사하는 중입니다(몇 초 걸립니다)…',
  later: '손실이 있는 링크(15-lossy-link) 위에서 UDP로 하는 신뢰성 있는 전송',
  notBuiltYet: '아직 만들어지지 않음',
  next: (number) => `다음 레벨: npm run challenge -- ${number}`,
  allPass: '모든 레벨을 통과했습니다. 잘했어요.',
};

export const CHALLENGE_TEXT: Readonly<Record<Lang, ChallengeText>> = { en, ko };
