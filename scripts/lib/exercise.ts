/**
 * `npm run exercise -- 04`: runs one concept's tests with the spec reporter, with whatever knobs
 * are set in the environment (`BACKLOG=5 npm run exercise -- 04`), then says which NOTES.md
 * section to read and which knobs to try next.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { UsageError } from './cli.ts';
import { ROOT, selectEntries, type Entry } from './catalog.ts';

/** The same runner flags as `npm test`, so an exercise is exactly the suite's run of that file. */
const TEST_FLAGS = ['--import', 'tsx', '--enable-source-maps', '--test', '--test-reporter=spec'];

async function exercise(entry: Entry): Promise<number> {
  const child = spawn(process.execPath, [...TEST_FLAGS, entry.test], { cwd: ROOT, stdio: 'inherit' });
  const [code] = (await once(child, 'exit')) as [number | null];
  const knobs = entry.tags.knobs ?? [];
  process.stdout.write(
    [
      '',
      `Read: NOTES.md${entry.tags.notes?.[0] ?? ''}  (${entry.tags.title?.[0] ?? entry.base})`,
      `Run the demo: ${entry.tags.run?.[0] ?? `npx tsx ${entry.script}`}`,
      knobs.length > 0 ? 'Knobs to try (set one, predict, run again):' : 'This concept has no knobs: change the script itself and predict what the tests will say.',
      ...knobs.map((knob) => `  ${knob}`),
      ...(knobs.length > 0 ? [`  e.g. ${/^\w+/.exec(knobs[0])?.[0]}=5 npm run exercise -- ${entry.number}`] : []),
      '',
    ].join('\n'),
  );
  return code ?? 1;
}

try {
  const names = process.argv.slice(2);
  if (names.length !== 1) throw new UsageError('name one concept, e.g. npm run exercise -- 04');
  process.exitCode = await exercise(selectEntries(names)[0]);
} catch (error) {
  process.stderr.write(`error: ${(error as Error).message}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
