/**
 * Knobs: the numbers a learner changes before running a test file. Each script declares its knobs
 * (`KNOBS`, with the ranges of its flags); each test file reads them at the top and derives every
 * expectation from them.
 */
import { type KnobSet, readKnobs, UsageError } from '../../scripts/lib/cli.ts';
import { type AnyExercise, isUnmeasured } from '../../scripts/lib/questions.ts';

/**
 * The knobs' values from the environment. A bad one stops the file with the same one line as the
 * exercise runner gives (`npm run exercise` checks them before it starts the tests).
 */
export function knobs<Name extends string>(declared: KnobSet<Name>): Record<Name, number> {
  try {
    return readKnobs(declared);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(2);
  }
}

/** What each of a script's questions measured in `seen`: id → answer, or UNMEASURED where the run could not tell. */
export function measuredAnswers(exercise: AnyExercise, seen: unknown): Record<string, number | string> {
  return Object.fromEntries(
    exercise.questions.map((question) => {
      const measured = question.measure(seen);
      return [question.id, isUnmeasured(measured) ? UNMEASURED : measured];
    }),
  );
}

export const UNMEASURED = 'not measured';

/**
 * True when each knob in `values` has its default: the settings NOTES.md's samples were made with.
 * Pass the knobs that shape what the sample shows; one that does not (a property test's seed) may vary.
 */
export function atDefaults<Name extends string>(
  declared: KnobSet<Name>,
  values: Partial<Record<Name, number>>,
): boolean {
  return (Object.entries(values) as Array<[Name, number]>).every(
    ([name, value]) => value === declared.knobs[name].fallback,
  );
}
