/**
 * `npm start`: the tour. Runs every numbered script in reading order, each under a heading with
 * its title, exactly as a learner would run it by hand. `npm start -- 03` runs one; `-- 02 05` a few.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { nodeArgsFor } from './child.ts';
import { isMain, runMain } from './cli.ts';
import { ROOT, selectEntries, type Entry } from './catalog.ts';

/** A script that has not ended by then is stuck, which is a bug worth saying out loud. */
const SCRIPT_TIMEOUT_MS = 60_000;

/** What the tour runs for a script: this process's Node, the script, and the arguments its @run line shows. */
export function commandOf(entry: Entry): string[] {
  return [process.execPath, ...nodeArgsFor(entry.script, entry.runArgs)];
}

/** Runs one script as commandOf says; true when it exited 0. */
async function runOne(entry: Entry): Promise<boolean> {
  process.stdout.write(`\n== ${entry.number}. ${entry.title} ==\n$ ${entry.run}\n\n`);
  const [node, ...args] = commandOf(entry);
  const child = spawn(node, args, {
    cwd: ROOT,
    stdio: 'inherit',
    timeout: SCRIPT_TIMEOUT_MS,
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (code !== 0) process.stderr.write(`tour: ${entry.script} ended with ${signal ?? `exit code ${code}`}\n`);
  return code === 0;
}

export async function tour(names: readonly string[]): Promise<number> {
  const entries = selectEntries(names.filter((name) => name !== '--'));
  let completed = 0;
  for (const entry of entries) if (await runOne(entry)) completed++;
  process.stdout.write(`\n${completed} of ${entries.length} scripts ran to completion.\n`);
  return completed === entries.length ? 0 : 1;
}

if (isMain(import.meta.url)) await runMain(() => tour(process.argv.slice(2)));
