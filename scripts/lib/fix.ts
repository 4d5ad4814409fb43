/**
 * `npm run fix`: programs with one real mistake each, in scripts/fix/, and a check for each in
 * tests/fix/ that fails until the mistake is fixed. `npm run fix -- list` runs every check on the
 * learner's copy; `npm run fix -- 3` runs one and, after a failure, gives a hint that points at
 * the notes. The reference solutions are in scripts/fix/solutions/ (tests/fix.test.ts proves
 * that each shipped program fails its check and each solution passes it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { headerTags, ROOT, sectionTitle } from './catalog.ts';
import { isMain, runMain, UsageError } from './cli.ts';
import type { FixCheck, Verdict } from './fix-check.ts';

export interface FixExercise {
  /** "3" */
  number: string;
  title: string;
  /** scripts/fix/03-bulk-sender.ts: the learner's copy. */
  program: string;
  solution: string;
  checkModule: string;
}

/** Every exercise: a program in scripts/fix/ with a check of the same name in tests/fix/. */
export function listFixes(): FixExercise[] {
  return readdirSync(join(ROOT, 'tests/fix'))
    .filter((name) => /^\d\d-[a-z0-9-]+\.ts$/.test(name))
    .sort()
    .map((name) => ({
      number: String(Number(name.slice(0, 2))),
      title: headerTags(readFileSync(join(ROOT, 'scripts/fix', name), 'utf8')).title?.[0] ?? name,
      program: `scripts/fix/${name}`,
      solution: `scripts/fix/solutions/${name}`,
      checkModule: `tests/fix/${name}`,
    }));
}

export async function loadCheck(exercise: FixExercise): Promise<FixCheck> {
  return ((await import(pathToFileURL(join(ROOT, exercise.checkModule)).href)) as { CHECK: FixCheck }).CHECK;
}

function verdictLine(verdict: Verdict): string {
  if ('cannotCheck' in verdict) return `cannot check here: ${verdict.cannotCheck}`;
  return `${verdict.passed ? 'passes' : 'fails'}: ${verdict.saw}`;
}

async function list(write: (text: string) => void, exercises: readonly FixExercise[]): Promise<number> {
  // The checks are independent (port 0 each), so they run side by side.
  const verdicts = await Promise.all(exercises.map(async (fix) => (await loadCheck(fix)).check(fix.program)));
  exercises.forEach((fix, i) => {
    const verdict = verdicts[i];
    const state = 'cannotCheck' in verdict ? 'cannot check here' : verdict.passed ? 'passes' : 'fails';
    write(`${fix.number}  ${fix.title}: ${state}  (${fix.program})\n`);
  });
  const next = exercises.find((_, i) => !('passed' in verdicts[i] && verdicts[i].passed));
  write(next ? `\nNext: npm run fix -- ${next.number}\n` : '\nEvery program passes its check.\n');
  return 0;
}

const USAGE = 'npm run fix -- list | npm run fix -- N';

/** Runs `npm run fix -- ARGS`; a test may pass fewer exercises to list. */
export async function fix(
  args: readonly string[],
  write: (text: string) => void = (text) => void process.stdout.write(text),
  exercises = listFixes(),
): Promise<number> {
  if (args.length !== 1) throw new UsageError(`usage: ${USAGE}`);
  if (args[0] === 'list') return list(write, exercises);
  const chosen = exercises.find((candidate) => candidate.number === String(Number(args[0])));
  if (!/^\d+$/.test(args[0]) || !chosen)
    throw new UsageError(
      `no fix exercise "${args[0]}"; there are ${exercises.map((fix) => fix.number).join(', ')} (${USAGE})`,
    );
  const check = await loadCheck(chosen);
  write(`${chosen.number}  ${chosen.title}  (${chosen.program})\n`);
  const verdict = await check.check(chosen.program);
  write(`${verdictLine(verdict)}\n`);
  if ('cannotCheck' in verdict) return 1;
  if (verdict.passed) return 0;
  write(`hint: ${check.hint}\nread: NOTES.md ${sectionTitle(check.notes)}\n`);
  write(`edit ${chosen.program}, then run npm run fix -- ${chosen.number} again\n`);
  return 1;
}

if (isMain(import.meta.url)) await runMain(() => fix(process.argv.slice(2)));
