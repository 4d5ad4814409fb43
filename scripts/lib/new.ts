/**
 * `npm run new -- 18 slug`: the stubs of a new concept, from scripts/templates/: its lesson
 * (scripts/18-slug.ts), its lab (scripts/lab/18-slug.ts) and its test file (tests/18-slug.test.ts,
 * whose one test fails until the claims are written). The catalog test then says what is still
 * missing: the NOTES.md section with its transcript, the README row. CONTRIBUTING.md has the list.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listEntries, ROOT } from './catalog.ts';
import { isMain, runMain, UsageError } from './cli.ts';

const STUBS = [
  ['scripts/templates/lesson.ts.template', 'scripts/NN-SLUG.ts'],
  ['scripts/templates/lab.ts.template', 'scripts/lab/NN-SLUG.ts'],
  ['scripts/templates/test.ts.template', 'tests/NN-SLUG.test.ts'],
] as const;

/**
 * Writes the stubs of concept `number`-`slug` under `root` (the project's, unless a test says
 * otherwise) and returns their paths; never overwrites a file.
 */
export async function writeStubs(number: string, slug: string, root = ROOT): Promise<string[]> {
  if (!/^\d{2}$/.test(number)) throw new UsageError(`the number is two digits (18), not "${number}"`);
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(slug))
    throw new UsageError(`the name is lower-case words joined by hyphens (port-reuse), not "${slug}"`);
  const taken = listEntries().find((entry) => entry.number === number);
  if (taken) throw new UsageError(`${number} is taken by ${taken.script}`);
  const base = `${number}-${slug}`;
  const fill = (text: string) => text.replaceAll('NN-SLUG', base).replaceAll('NN', number);
  const written = STUBS.map(([, target]) => fill(target));
  const existing = written.find((path) => existsSync(join(root, path)));
  if (existing) throw new UsageError(`${existing} exists already; nothing was written`);
  for (const [template, target] of STUBS)
    await writeFile(join(root, fill(target)), fill(await readFile(join(ROOT, template), 'utf8')));
  return written;
}

const USAGE = 'usage: npm run new -- NN slug   (stubs of scripts/NN-slug.ts, its lab and its test)';

export async function newConcept(argv: readonly string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (argv.length !== 2) throw new UsageError(USAGE.replace(/^usage: /, 'say a number and a name: '));
  for (const path of await writeStubs(argv[0], argv[1])) process.stdout.write(`wrote ${path}\n`);
  process.stdout.write('next: npm test -- tests/catalog.test.ts lists what the concept still lacks\n');
  return 0;
}

if (isMain(import.meta.url)) await runMain(() => newConcept(process.argv.slice(2)));
