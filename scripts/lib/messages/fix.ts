/**
 * Everything the fix runner (`npm run fix`) says to a learner, in each language the runners speak.
 * The Korean text has the English one's type, so a line missing in Korean does not compile; each
 * check's title, hint and verdict (what it saw, or why it cannot check) are given per language by
 * the check itself (scripts/lib/fix-check.ts).
 */
import { BAD_FLAGS, type Lang } from '../lang.ts';

const COMMANDS = 'npm run fix -- list | npm run fix -- N [FILE]';

export interface FixText {
  usage: string;
  /** `problem` is parseArgs' own sentence about a flag the runner does not take (all but --help and --lang). */
  badFlags: (problem: string) => string;
  noExercise: (given: string, numbers: readonly string[]) => string;
  noFile: (given: string) => string;
  /** A verdict in a word: the listing shows it alone, a single run before what the check saw. */
  passes: string;
  fails: string;
  cannotCheck: string;
  next: (number: string) => string;
  allPass: string;
  hint: (hint: string) => string;
  /** `pointer` is the notes' file with the section's heading: "NOTES.md §2.5 …". */
  read: (pointer: string) => string;
  /** `rerun` is what follows `npm run fix --`: the number, and the file if one was named. */
  editAgain: (program: string, rerun: string) => string;
}

const en: FixText = {
  usage: `usage: ${COMMANDS}`,
  badFlags: (problem) => BAD_FLAGS.en(problem, en.usage),
  noExercise: (given, numbers) => `no fix exercise "${given}"; there are ${numbers.join(', ')} (${COMMANDS})`,
  noFile: (given) => `no file ${given}`,
  passes: 'passes',
  fails: 'fails',
  cannotCheck: 'cannot check here',
  next: (number) => `Next: npm run fix -- ${number}`,
  allPass: 'Every program passes its check.',
  hint: (hint) => `hint: ${hint}`,
  read: (pointer) => `read: ${pointer}`,
  editAgain: (program, rerun) => `edit ${program}, then run npm run fix -- ${rerun} again`,
};

const ko: FixText = {
  usage: `사용법: ${COMMANDS}`,
  badFlags: (problem) => BAD_FLAGS.ko(problem, ko.usage),
  noExercise: (given, numbers) =>
    `"${given}": 그런 버그 고치기 문제는 없습니다. 있는 번호: ${numbers.join(', ')} (사용법: ${COMMANDS})`,
  noFile: (given) => `그런 파일이 없습니다: ${given}`,
  passes: '통과',
  fails: '실패',
  cannotCheck: '여기서는 검사할 수 없음',
  next: (number) => `다음 문제: npm run fix -- ${number}`,
  allPass: '모든 프로그램이 검사를 통과합니다.',
  hint: (hint) => `힌트: ${hint}`,
  read: (pointer) => `읽을 곳: ${pointer}`,
  editAgain: (program, rerun) => `${program} 파일을 고친 다음 다시 실행하세요: npm run fix -- ${rerun}`,
};

export const FIX_TEXT: Readonly<Record<Lang, FixText>> = { en, ko };
