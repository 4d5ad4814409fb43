/**
 * A lesson as a learner runs it after copying the one file out of the project: alone in an empty
 * folder, with no package.json (so tsx compiles it to CommonJS), under `node` or `tsx`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './transcript.ts';

export type LessonRunner = 'node' | 'tsx';

const TSX_CLI = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
/** A lesson ends in about a second; the bound is for one that hangs, on a loaded machine. */
const ALONE_TIMEOUT_MS = 60_000;

/** Copies scripts/BASE.ts into a new empty folder and runs it there; the folder is removed after. */
export async function runLessonAlone(
  base: string,
  runner: LessonRunner,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const folder = await mkdtemp(join(tmpdir(), 'socket-notes-lesson-'));
  const copy = join(folder, `${base}.ts`);
  try {
    await copyFile(join(ROOT, 'scripts', `${base}.ts`), copy);
    const args = runner === 'node' ? [copy] : [TSX_CLI, copy];
    return await new Promise((resolve) => {
      const options = { cwd: folder, env: { ...process.env, ...env }, timeout: ALONE_TIMEOUT_MS };
      execFile(process.execPath, args, options, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr: error?.killed ? `${stderr}(killed after ${ALONE_TIMEOUT_MS} ms)` : stderr });
      });
    });
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** Every line of a lesson's own story starts with its speaker: "server: …", "client 2: …". */
export const ROLE_LINE = /^[a-z]+(?: \d+)?: \S/;

/**
 * The lines a lesson prints when run alone by `runner`, once it has ended with exit code 0 and
 * every line has named its speaker (the caller checks what the lines say).
 */
export async function lessonStory(base: string, runner: LessonRunner, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const run = await runLessonAlone(base, runner, env);
  assert.equal(run.code, 0, `${runner}: ${run.stderr}`);
  const lines = run.stdout.trimEnd().split('\n');
  for (const line of lines) assert.match(line, ROLE_LINE, `${runner}: a line without its speaker: ${line}`);
  return lines;
}
