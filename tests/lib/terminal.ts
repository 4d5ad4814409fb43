/**
 * Runs one of the learner's commands on a real pseudo-terminal (tests/probes/in-terminal.py), as a
 * learner's terminal runs it: `typed` is typed ahead into the terminal, and what the command writes
 * there comes back. Used by the exercise's and the tour's tests.
 */
import { execFile, execFileSync } from 'node:child_process';
import { nodeArgsFor } from '../../scripts/lib/child.ts';
import { stretchedByLoad } from '../../scripts/lib/wait.ts';
import { ROOT } from './transcript.ts';

/** The test runner marks its children (undefined removes a variable), so a command run here runs like a learner's. */
export const NOT_UNDER_A_RUNNER = { NODE_TEST_CONTEXT: undefined };
/** A locale the runners speak English under, whatever the one running the tests is (lang.ts). */
export const ENGLISH_LOCALE = { LANG: 'C.UTF-8', LC_ALL: undefined, LC_MESSAGES: undefined };
const RUN_TIMEOUT_MS = stretchedByLoad(30_000);

/**
 * The python3 that runs tests/probes/in-terminal.py. npm test finds it once (run-suite.ts) and
 * hands it to every test file in SOCKET_NOTES_PYTHON3: where python3 on PATH is a version manager's
 * shim, such as pyenv's bash script, each call pays for the shim's lookup again (0.42 s of CPU a
 * call on this machine, against 0.10 s for the interpreter it finds).
 */
export const PYTHON3 = process.env.SOCKET_NOTES_PYTHON3 || 'python3';

/** The interpreter that `python3` on PATH runs, by its own account; 'python3' itself when none runs. */
export function findPython3(): string {
  try {
    const found = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], {
      encoding: 'utf8',
      timeout: stretchedByLoad(10_000),
    });
    return found.trim() || 'python3';
  } catch {
    return 'python3'; // none here: the tests that need it say so when they run it
  }
}

export function onATerminal(
  script: string,
  args: readonly string[],
  typed: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      PYTHON3,
      ['tests/probes/in-terminal.py', process.execPath, ...nodeArgsFor(script, args)],
      { cwd: ROOT, env: { ...process.env, ...NOT_UNDER_A_RUNNER, ...env }, timeout: RUN_TIMEOUT_MS },
      (error, stdout) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, output: stdout }),
    );
    child.stdin!.end(typed);
  });
}
