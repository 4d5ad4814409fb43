/**
 * A concept's claims, run after its exercise: its test file in a process of its own, as `npm test`
 * runs it. Quiet by default, so the learner's attention stays on the questions: one summary line,
 * and only a failing claim in full. Verbose: every claim, as the spec reporter prints them.
 */
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { inspect } from 'node:util';
import { ROOT } from './catalog.ts';
import { type ClaimCounts, type ExerciseText, exerciseText } from './messages/exercise.ts';

/** The two things a claims report says, in the learner's language. */
type ClaimsText = Pick<ExerciseText, 'claimsSummary' | 'failedClaim'>;

interface FailedTest {
  name: string;
  details: { type?: string; error: Error };
}

/** A failed claim: its name, then what its assertion said (the runner wraps it: the cause is the test's own error). */
function failureText({ name, details }: FailedTest, say: ClaimsText): string {
  const error = details.error.cause ?? details.error;
  const account = inspect(error, { depth: 4 }).replace(/^/gm, '  ');
  return `${say.failedClaim(name)}\n${account}\n`;
}

/** Runs the test file `file` (from the project's root) with `env`; 0 when every claim passed, else 1. */
export async function runClaims(
  file: string,
  env: NodeJS.ProcessEnv,
  verbose: boolean,
  write: (text: string) => void,
  say: ClaimsText = exerciseText,
): Promise<number> {
  const stream = run({ files: [`${ROOT}${file}`], cwd: ROOT, env });
  const failures: string[] = [];
  let overall: { counts: ClaimCounts; success: boolean } | undefined;
  stream.on('test:fail', (failed: FailedTest) => {
    // A suite fails when a claim in it fails; the claim itself is the one to show.
    if (failed.details.type !== 'suite') failures.push(failureText(failed, say));
  });
  stream.on('test:summary', (summary: { counts: ClaimCounts; success: boolean; file?: string }) => {
    // One summary per file, then one for the whole run: the last is the run's.
    if (summary.file === undefined) overall = summary;
  });
  if (verbose) for await (const text of stream.compose(spec)) write(String(text));
  else for await (const _ of stream);
  if (!overall) throw new Error(`the test runner gave no summary for ${file}`);
  write(`${say.claimsSummary(overall.counts)}\n`);
  if (!verbose) for (const failure of failures) write(failure);
  return overall.success ? 0 : 1;
}
