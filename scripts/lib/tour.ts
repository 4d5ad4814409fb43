/**
 * `npm start`: the tour. Runs every numbered script in reading order, each under a heading with
 * its title, exactly as a learner would run it by hand. `npm start -- 03` runs one; `-- 02 05` a few.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { UsageError } from './cli.ts';
import { ROOT, selectEntries, type Entry } from './catalog.ts';

/** A script that has not ended by then is stuck, which is a bug worth saying out loud. */
const SCRIPT_TIMEOUT_MS = 60_000;

async function runOne(entry: Entry): Promise<boolean> {
  const title = entry.tags.title?.[0] ?? entry.base;
  process.stdout.write(`\n== ${entry.number}. ${title} ==\n$ ${entry.tags.run?.[0] ?? `npx tsx ${entry.script}`}\n\n`);
  const child = spawn(process.execPath, [...process.execArgv, entry.script], { cwd: ROOT, stdio: 'inherit', timeout: SCRIPT_TIMEOUT_MS });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (code === 0) return true;
  process.stderr.write(`tour: ${entry.script} ${signal ? `was stopped by ${signal}` : `exited ${code}`}\n`);
  return false;
}

async function tour(names: string[]): Promise<number> {
  const entries = selectEntries(names.filter((name) => name !== '--'));
  let failures = 0;
  for (const entry of entries) if (!(await runOne(entry))) failures++;
  process.stdout.write(`\n${entries.length - failures} of ${entries.length} scripts ran to completion.\n`);
  return failures === 0 ? 0 : 1;
}

try {
  process.exitCode = await tour(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`error: ${(error as Error).message}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
