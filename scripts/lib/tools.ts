/**
 * Outside witnesses: `ss`, `lsof`, `strace`, `tcpdump`. Found on PATH (and the sbin folders,
 * where Debian puts some of them) and always run with an argument array, never a shell string.
 */
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

const SEARCH_PATH = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'].filter(Boolean);

/** The absolute path of an executable, or undefined when it is not installed. */
export async function findTool(name: string): Promise<string | undefined> {
  for (const folder of SEARCH_PATH) {
    const candidate = join(folder, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder; keep looking
    }
  }
  return undefined;
}

export interface ToolResult {
  stdout: string;
  stderr: string;
  /** The exit code; null when the tool was killed (by the timeout, for one). */
  code: number | null;
}

/**
 * Runs a tool to completion, bounded by `timeoutMs`; a non-zero exit is returned, not thrown.
 * `env` adds to (or, set to undefined, removes from) this process's environment.
 */
export function runTool(
  file: string,
  args: readonly string[],
  timeoutMs = 5000,
  cwd?: string,
  env?: NodeJS.ProcessEnv,
): Promise<ToolResult> {
  const options = { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, cwd, env: env && { ...process.env, ...env } };
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, options, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      if (error && typeof error.code === 'string') return reject(error); // ENOENT and the like: it never ran
      // Killed at the bound: say so where a failed assertion shows stderr, rather than a bare null code.
      const killed = error?.killed ? `\n${file} was killed after ${timeoutMs} ms, its bound` : '';
      resolve({ stdout, stderr: stderr + killed, code });
    });
    // Nothing is typed: a tool that reads its input finds it ended at once, never waits for it.
    child.stdin?.end();
  });
}
