/**
 * What a fix-the-bug check is (tests/fix/NN-*.ts define them, scripts/lib/fix.ts runs them). A
 * module of its own, so that a check never imports the runner that imports it.
 */
import type { Lang } from './lang.ts';
import type { InEach } from './questions.ts';

/**
 * What a check saw: passed or not, in a sentence; or why it cannot check on this machine. Said in
 * each language, so that a check whose Korean is missing does not compile; what the program printed,
 * bytes and numbers are quoted in each as they are.
 */
export type Verdict = { passed: boolean; saw: InEach<string> } | { cannotCheck: InEach<string> };

export interface FixCheck {
  /** The program's title in each language but English: the English one is the program's own @title. */
  title: Record<Exclude<Lang, 'en'>, string>;
  /** Where to look without being told the answer, in each language, and the NOTES.md section ('#25-…') to read. */
  hint: Record<Lang, string>;
  notes: string;
  /** Runs the program at `file` (a path from the project's root) and judges it. */
  check(file: string): Promise<Verdict>;
}

export function defineCheck(check: FixCheck): FixCheck {
  return check;
}
