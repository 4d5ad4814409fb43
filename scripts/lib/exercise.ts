/**
 * `npm run exercise -- 04`: runs one concept's tests with the spec reporter, with whatever knobs
 * are set in the environment (`BACKLOG=5 npm run exercise -- 04`), then says which NOTES.md
 * section to read and which knobs to try next.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { nodeArgsFor } from './child.ts';
import { isMain, type KnobSet, readKnobs, runMain, UsageError } from './cli.ts';
import { ROOT, selectEntries, type Entry } from './catalog.ts';

/** The same runner flags as `npm test`, so an exercise is exactly the suite's run of that file. */
const TEST_FLAGS = ['--test', '--test-reporter=spec'];

/** What to do after the tests: the section to read, the demo to run, the knobs to turn. */
export function nextSteps(entry: Entry): string {
  const knobAdvice =
    entry.knobs.length === 0
      ? ['This concept has no knobs: change the script itself and predict what the tests will say.']
      : [
          'Knobs to try (set one, predict, run again):',
          ...entry.knobs.map((knob) => `  ${knob}`),
          `  e.g. ${entry.knobs[0].split(' ')[0]}=5 npm run exercise -- ${entry.number}`,
        ];
  return ['', `Read: NOTES.md${entry.notes}  (${entry.title})`, `Run the demo: ${entry.run}`, ...knobAdvice, ''].join(
    '\n',
  );
}

export async function exercise(names: readonly string[]): Promise<number> {
  if (names.length !== 1) throw new UsageError('name one concept, e.g. npm run exercise -- 04');
  const [entry] = selectEntries(names);
  // A bad knob is the learner's typo: one line now, rather than a failed test file later.
  const { KNOBS } = (await import(pathToFileURL(join(ROOT, entry.script)).href)) as { KNOBS?: KnobSet<string> };
  if (KNOBS) readKnobs(KNOBS);
  const child = spawn(process.execPath, [...TEST_FLAGS, ...nodeArgsFor(entry.test)], { cwd: ROOT, stdio: 'inherit' });
  const [code] = (await once(child, 'exit')) as [number | null];
  process.stdout.write(nextSteps(entry));
  // A runner killed by a signal has no exit code, and did not pass.
  return code ?? 1;
}

if (isMain(import.meta.url)) await runMain(() => exercise(process.argv.slice(2)));
