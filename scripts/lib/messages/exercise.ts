/**
 * Everything the exercise runner (`npm run exercise`) says to a learner, in English; the Korean is
 * in exercise-ko.ts, typed as this so that no message can be missing there. The questions
 * themselves live beside each demo, in its lab's `EXERCISE`.
 */
import { type Entry, noScript } from '../catalog.ts';
import type { KnobSet } from '../cli.ts';
import { BAD_FLAGS } from '../lang.ts';
import { LEVEL_WORDS } from './levels.ts';

/** The count of a test run's claims, as node:test's summary gives it. */
export interface ClaimCounts {
  tests: number;
  passed: number;
  failed: number;
  cancelled: number;
  skipped: number;
  todo: number;
}

export const exerciseText = {
  usage: 'usage: npm run exercise [-- NN [--answers 4,b,?] [--no-claims] [--verbose] | -- interview] [--lang en|ko]',
  badFlags: BAD_FLAGS.en,
  nameOne: 'name one concept, e.g. npm run exercise -- 04',
  noConcept: noScript,
  badKnob: (problem: string) => problem,
  answerCount: (script: string, asked: number, given: number, skip: string) =>
    `${script} asks ${asked} questions; --answers gave ${given} (write ${skip} to skip one)`,
  badGivenAnswer: (number: number, text: string, hint: string) => `answer ${number} ("${text}") should be ${hint}`,
  wholeNumber: 'a whole number',
  oneOf: (letters: readonly string[]) => `one of ${letters.join(', ')}`,
  prompt: (hint: string, skip: string) => `your prediction (${hint}; ${skip} skips): `,
  notValid: (text: string, hint: string) => `"${text}" is not ${hint}.\n`,
  noneOfTheOptions: (value: string | number) => `${value} (none of the options)`,
  read: (section: string) => `   read: NOTES.md ${section}`,
  unmeasured: (number: number, reason: string) => `${number}. not measured in this run: ${reason}`,
  kernelSaid: (kernel: string) => `   the kernel: ${kernel}`,
  skipped: (number: number, kernel: string) => `${number}. skipped; the kernel: ${kernel}`,
  right: (number: number, kernel: string) => `${number}. right: ${kernel}`,
  wrong: (number: number, said: string, kernel: string) => `${number}. wrong: you said ${said}; the kernel: ${kernel}`,
  why: (sentence: string) => `   why: ${sentence}`,
  noKnobs: 'no knobs',
  knobAdvice: (name: string, value: number, number: string, current: number) =>
    `  ${name}=${value} npm run exercise -- ${number}   (this run: ${name}=${current})`,
  readSection: (section: string) => `Read: NOTES.md ${section}`,
  runYourself: (run: string) => `Run the demo yourself: ${run}`,
  noKnobsAdvice: 'This concept has no knobs: change the script itself and predict what the tests will say.',
  turnAKnob: 'Turn a knob and predict again (the answers change with it):',
  /** The script's knobs as its header describes them. */
  knobList: (entry: Entry, _set: KnobSet<string>): readonly string[] => entry.knobs,
  progressHeading: (path: string) => `Your predictions so far (${path}), in the notes' order:`,
  progressRow: (entry: Entry, title: string, done: number, asked: number) =>
    `${LEVEL_WORDS.en[entry.level].padEnd(6)}  ${title}: ${done} of ${asked} predicted right`,
  basicsFirst: 'The basics come first; the deeper ones after.',
  interviewToo: 'The classic network-interview questions, judged by the kernel: npm run exercise -- interview',
  next: (number: string) => `Next: npm run exercise -- ${number}`,
  allDone: 'Every question predicted right once. Turn a knob and predict again: each setting is a new prediction.',
  start: (entry: Entry, title: string, setting: string, count: number) =>
    `${entry.number} ${title} (${setting}): ${count} questions. Predict, then run.`,
  demo: 'The demo, as the kernel ran it:',
  judged: (predicted: boolean) =>
    `${predicted ? 'Your predictions against the kernel' : 'The questions, answered by the kernel'}:`,
  score: (right: number, count: number, setting: string) => `${right} of ${count} right at ${setting}.`,
  claimsRunning: (test: string) => `Checking the concept's claims (${test})...`,
  claimsSummary: (counts: ClaimCounts) => {
    const failed = counts.failed + counts.cancelled;
    const skipped = counts.skipped + counts.todo;
    const skips = skipped === 0 ? '' : `, ${skipped} skipped (--verbose says why)`;
    const failures = failed === 0 ? 'none failed' : `${failed} failed (shown below)`;
    return `Claims: ${counts.passed} of ${counts.tests} passed${skips}, ${failures}.`;
  },
  failedClaim: (name: string) => `✖ failed: ${name}`,
};

export type ExerciseText = typeof exerciseText;
