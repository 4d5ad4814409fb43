/**
 * A learner's file as it was shipped. The learner edits the starters (challenges/) and the
 * fix-the-bug programs (scripts/fix/) in place; the tests that prove something of the shipped
 * version must not judge the learner's work instead, nor break when it is done.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTool, runTool } from '../../scripts/lib/tools.ts';
import { ROOT } from './transcript.ts';

let scratch: string | undefined;

/** The file's committed text, or undefined without git (an unpacked archive: the copy on disk is the shipped one). */
async function committed(file: string): Promise<string | undefined> {
  const git = await findTool('git');
  if (!git) return undefined;
  const shown = await runTool(git, ['show', `HEAD:${file}`], 5000, ROOT);
  return shown.code === 0 ? shown.stdout : undefined;
}

/**
 * The path of `file` (relative to the project) as committed: the file itself while it is
 * unchanged (Node's compile cache keys a file's stripped code by its path), else a copy of the
 * committed text in a folder removed when the test file's process exits.
 */
export async function shipped(file: string): Promise<string> {
  const text = await committed(file);
  if (text === undefined || text === (await readFile(join(ROOT, file), 'utf8'))) return file;
  if (scratch === undefined) {
    const folder = await mkdtemp(join(tmpdir(), 'socket-notes-shipped-'));
    // Removed as the test file's process ends: a test's after() would remove it under later tests.
    process.on('exit', () => rmSync(folder, { recursive: true, force: true }));
    scratch = folder;
  }
  const copy = join(scratch, file.replaceAll('/', '-'));
  await writeFile(copy, text);
  return copy;
}

/** The text of `file` as committed (the copy on disk without git). */
export async function shippedText(file: string): Promise<string> {
  return (await committed(file)) ?? readFile(join(ROOT, file), 'utf8');
}
