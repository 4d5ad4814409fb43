/**
 * `npm run fix`: programs with one real mistake each, in scripts/fix/, and a check for each in
 * tests/fix/ that fails until the mistake is fixed. `npm run fix -- list` runs every check on the
 * learner's copy; `npm run fix -- 3` runs one and, after a failure, gives a hint that points at
 * the notes. With `--lang ko`, or under a Korean locale, it says so in Korean, what each check saw
 * too (the program's own output quoted as it printed it), and points at NOTES.ko.md. The reference
 * solutions are in scripts/fix/solutions/ (tests/fix.test.ts proves that each shipped program
 * fails its check and each solution passes it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { headerTags, learnerFile, ROOT } from './catalog.ts';
import { isMain, parseFlags, runMain, UsageError } from './cli.ts';
import { readingPointer } from './editions.ts';
import type { FixCheck, Verdict } from './fix-check.ts';
import { type Lang, takeLanguage } from './lang.ts';
import { FIX_TEXT, type FixText } from './messages/fix.ts';

export interface FixExercise {
  /** "3" */
  number: string;
  /** The program's @title, in English; the other languages' are in its check. */
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

const titleIn = (lang: Lang, fix: FixExercise, check: FixCheck): string =>
  lang === 'en' ? fix.title : check.title[lang];

/** A verdict in a word: passes, fails, or cannot check here. */
function stateOf(verdict: Verdict, text: FixText): string {
  if ('cannotCheck' in verdict) return text.cannotCheck;
  return verdict.passed ? text.passes : text.fails;
}

async function list(write: (text: string) => void, exercises: readonly FixExercise[], lang: Lang): Promise<number> {
  const text = FIX_TEXT[lang];
  const checks = await Promise.all(exercises.map(loadCheck));
  // The checks are independent (port 0 each), so they run side by side.
  const verdicts = await Promise.all(exercises.map((fix, i) => checks[i].check(fix.program)));
  exercises.forEach((fix, i) => {
    const title = titleIn(lang, fix, checks[i]);
    write(`${fix.number}  ${title}: ${stateOf(verdicts[i], text)}  (${fix.program})\n`);
  });
  const next = exercises.find((_, i) => !('passed' in verdicts[i] && verdicts[i].passed));
  write(`\n${next ? text.next(next.number) : text.allPass}\n`);
  return 0;
}

/**
 * Runs `npm run fix -- ARGS`, in Korean with `--lang ko` or under a Korean locale; a test may pass
 * fewer exercises to list.
 */
export async function fix(
  args: readonly string[],
  write: (text: string) => void = (text) => void process.stdout.write(text),
  exercises = listFixes(),
  cwd = process.env.INIT_CWD ?? process.cwd(),
): Promise<number> {
  const { lang, rest: argv } = takeLanguage(args);
  const text = FIX_TEXT[lang];
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv, { help: { type: 'boolean', short: 'h' } }, true);
  } catch (error) {
    throw new UsageError(text.badFlags((error as Error).message));
  }
  if (parsed.values.help) {
    write(`${text.usage}\n`);
    return 0;
  }
  const rest = parsed.positionals;
  if (rest.length === 0 || rest.length > 2 || (rest[0] === 'list' && rest.length > 1)) throw new UsageError(text.usage);
  if (rest[0] === 'list') return list(write, exercises, lang);
  const chosen = exercises.find((candidate) => candidate.number === String(Number(rest[0])));
  if (!/^\d+$/.test(rest[0]) || !chosen)
    throw new UsageError(
      text.noExercise(
        rest[0],
        exercises.map((fix) => fix.number),
      ),
    );
  // A file the learner names is checked instead of the exercise's own program (a copy, kept elsewhere).
  const program = rest[1] === undefined ? chosen.program : learnerFile(rest[1], cwd, text.noFile);
  const check = await loadCheck(chosen);
  write(`${chosen.number}  ${titleIn(lang, chosen, check)}  (${program})\n`);
  const verdict = await check.check(program);
  write(`${stateOf(verdict, text)}: ${('cannotCheck' in verdict ? verdict.cannotCheck : verdict.saw)[lang]}\n`);
  if ('cannotCheck' in verdict) return 1;
  if (verdict.passed) return 0;
  write(`${text.hint(check.hint[lang])}\n${text.read(readingPointer(lang, check.notes))}\n`);
  write(`${text.editAgain(program, [chosen.number, ...rest.slice(1)].join(' '))}\n`);
  return 1;
}

if (isMain(import.meta.url)) await runMain(() => fix(process.argv.slice(2)));
