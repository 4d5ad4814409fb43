/**
 * What a learner predicted right (and, for the challenges, passed, failed and asked hints for), kept
 * between runs in a small JSON file outside the repository:
 * $SOCKET_NOTES_PROGRESS, else $XDG_CACHE_HOME/socket-notes-runnable/progress.json (~/.cache by default).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Script number → question id → the knob settings at which the learner predicted the kernel right.
 * A challenge level keeps its own record under "challenge-N": passed → the files that passed,
 * failed → the attack its last run failed, hints → the hints given ("half-close#1").
 */
export type Progress = Record<string, Record<string, string[]>>;

export function progressPath(env = process.env): string {
  if (env.SOCKET_NOTES_PROGRESS) return env.SOCKET_NOTES_PROGRESS;
  const cache = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'socket-notes-runnable', 'progress.json');
}

/** The progress so far; none when the file is missing. A file that is not ours is an error, not overwritten. */
export async function loadProgress(path: string): Promise<Progress> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  try {
    return JSON.parse(text) as Progress;
  } catch {
    throw new Error(`the progress file ${path} is not JSON; move it away to start afresh`);
  }
}

/** Applies `change` to the progress on disk; written whole to a temporary file, then renamed into place. */
export async function updateProgress(path: string, change: (progress: Progress) => void): Promise<void> {
  const progress = await loadProgress(path);
  change(progress);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, `${JSON.stringify(progress, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}

/** Adds the questions answered right at `setting`. */
export async function recordRight(
  path: string,
  script: string,
  setting: string,
  rightIds: readonly string[],
): Promise<void> {
  await updateProgress(path, (progress) => {
    const concept = progress[script] ?? {};
    for (const id of rightIds) {
      const settings = concept[id] ?? [];
      if (!settings.includes(setting)) concept[id] = [...settings, setting];
    }
    progress[script] = concept;
  });
}
