/**
 * Runs one of the learner's commands on a real pseudo-terminal (tests/probes/in-terminal.py), as a
 * learner's terminal runs it: `typed` is typed ahead into the terminal, and what the command writes
 * there comes back. Used by the exercise's and the tour's tests.
 */
import { execFile } from 'node:child_process';
import { nodeArgsFor } from '../../scripts/lib/child.ts';
import { stretchedByLoad } from '../../scripts/lib/wait.ts';
import { ROOT } from './transcript.ts';

/** The test runner marks its children (undefined removes a variable), so a command run here runs like a learner's. */
export const NOT_UNDER_A_RUNNER = { NODE_TEST_CONTEXT: undefined };
/** A locale the runners speak English under, whatever the one running the tests is (lang.ts). */
export const ENGLISH_LOCALE = { LANG: 'C.UTF-8', LC_ALL: undefined, LC_MESSAGES: undefined };
const RUN_TIMEOUT_MS = stretchedByLoad(30_000);

export function onATerminal(
  script: string,
  args: readonly string[],
  typed: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'python3',
      ['tests/probes/in-terminal.py', process.execPath, ...nodeArgsFor(script, args)],
      { cwd: ROOT, env: { ...process.env, ...NOT_UNDER_A_RUNNER, ...env }, timeout: RUN_TIMEOUT_MS },
      (error, stdout) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, output: stdout }),
    );
    child.stdin!.end(typed);
  });
}
