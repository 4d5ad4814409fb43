/**
 * The collection holds together: every numbered script has its header tags, a test file, a
 * NOTES.md section that links both and shows a checked sample, and a row in README.md and in
 * README.ko.md; and a learner meets the concepts in NOTES.md's order everywhere, with the same
 * beginner path.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import {
  citesTestName,
  conceptRows,
  type Entry,
  FRONT_DOORS,
  labOf,
  listEntries,
  MAX_FRONT_DOOR_LINES,
  notesSections,
  READING_PATH,
  ROOT,
  readingWords,
  testCitations,
  testNames,
} from '../scripts/lib/catalog.ts';
import type { KnobSet } from '../scripts/lib/cli.ts';
import { HANGUL, hangulLines, MIN_HANGUL_SHARE } from '../scripts/lib/editions.ts';
import { exercise } from '../scripts/lib/exercise.ts';
import { tourPlan } from '../scripts/lib/tour.ts';

/** A lesson split from its lab: Deno by Example's size, with room for the system-call comments. */
const MAX_LESSON_LINES = 80;
const MAX_LESSON_COLUMNS = 100;
const LESSON_RULES = `≤ ${MAX_LESSON_LINES} lines of ≤ ${MAX_LESSON_COLUMNS} columns, node: imports only`;
const REQUIRED_TAGS = ['title', 'concept', 'notes', 'run', 'resource'] as const;
const entries = listEntries();
const doors = FRONT_DOORS.map((door) => ({ ...door, text: readFileSync(join(ROOT, door.page), 'utf8') }));
const doorPages = FRONT_DOORS.map((door) => door.page).join(' and ');

test('there is at least one numbered script, and no two share a number', () => {
  assert.ok(entries.length > 0);
  const numbers = entries.map((entry) => entry.number);
  assert.deepEqual(
    numbers,
    [...new Set(numbers)],
    `duplicate numbers among ${entries.map((entry) => entry.base).join(', ')}`,
  );
});

for (const { base, script, lab, test: testFile, tags } of entries) {
  test(`${base}: the header has ${REQUIRED_TAGS.map((tag) => `@${tag}`).join(', ')}`, () => {
    for (const tag of REQUIRED_TAGS) assert.ok(tags[tag]?.[0], `${script} has no @${tag}`);
  });

  test(`${base}: @run names this very file`, () => {
    const run = tags.run?.[0] ?? '';
    assert.match(run, new RegExp(`^npx tsx scripts/${base}\\.ts\\b`), `@run is "${run}"`);
    assert.ok(existsSync(join(ROOT, script)));
  });

  test(`${base}: has a test file, and its header's @knobs lists every knob it declares`, async () => {
    assert.ok(existsSync(join(ROOT, testFile)), `${testFile} is missing`);
    const { KNOBS } = (await import(`../${labOf(base)}`)) as { KNOBS?: KnobSet<string> };
    for (const knobName of Object.keys(KNOBS?.knobs ?? {}))
      assert.match(tags.knobs?.join(' ') ?? '', new RegExp(`\\b${knobName}\\b`), `@knobs does not list ${knobName}`);
    const readsKnobs = readFileSync(join(ROOT, testFile), 'utf8').includes('knobs(KNOBS)');
    assert.equal(readsKnobs, KNOBS !== undefined, 'a test file reads its knobs exactly when its script declares some');
  });

  test(`${base}: its NOTES.md section links the script and the test, and shows a checked sample`, () => {
    const anchor = (tags.notes?.[0] ?? '').replace(/^#/, '');
    const section = notesSections().find((candidate) => candidate.anchor === anchor);
    assert.ok(section, `NOTES.md has no heading with the anchor #${anchor}`);
    assert.ok(section.body.includes(`](${script})`), `the section does not link ${script}`);
    assert.ok(section.body.includes(`](${testFile})`), `the section does not link ${testFile}`);
    assert.ok(section.body.includes(`<!-- transcript: ${base} -->`), 'the section shows no checked sample');
  });

  test(`${base}: has its lab beside it`, () => {
    assert.ok(existsSync(join(ROOT, lab)), `${lab} is missing`);
  });

  test(`${base}: the lesson is Deno-sized and stands alone (${LESSON_RULES})`, () => {
    const source = readFileSync(join(ROOT, script), 'utf8');
    const lines = source.trimEnd().split('\n');
    assert.ok(lines.length <= MAX_LESSON_LINES, `${script} has ${lines.length} lines`);
    const wide = lines.findIndex((line) => line.length > MAX_LESSON_COLUMNS);
    assert.equal(wide, -1, `${script}:${wide + 1} is over ${MAX_LESSON_COLUMNS} columns`);
    for (const [, from] of source.matchAll(/^import\b[^;]*?from '([^']+)'/gm))
      assert.match(from, /^node:/, `${script} imports ${from}: a lesson imports node: modules only`);
    const loaded = [...source.matchAll(/\bimport\('([^']+)'\)/g)].map(([, from]) => from);
    assert.deepEqual(loaded, [`./lab/${base}.ts`], 'the only module a lesson loads itself is its own lab');
    for (const banned of ['c8 ignore', 'biome-ignore', '.reduce('])
      assert.ok(!source.includes(banned), `${script} uses ${banned}`);
  });

  test(`${base}: ${doorPages} have a row for it`, () => {
    for (const { page, text, levels } of doors) {
      const row = conceptRows(text, levels).find((candidate) => candidate.number === base.slice(0, 2))?.row;
      assert.ok(row, `${page} has no table row starting "| ${base.slice(0, 2)} "`);
      assert.ok(row.includes(`](${script})`), `${page}: the row does not link ${script}`);
    }
  });
}

/** Every TypeScript file under these folders of the project. */
function sourceFiles(): string[] {
  const folders = ['scripts', 'tests', 'bench'];
  return folders.flatMap((folder) =>
    readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.ts'))
      .map((name) => join(folder, name)),
  );
}

test("no concept imports another concept's files, and scripts/lib/ imports no concept", () => {
  const folders = ['scripts', 'scripts/lab', 'scripts/children', 'scripts/lib', 'tests', 'tests/probes'];
  const violations: string[] = [];
  for (const folder of folders)
    for (const name of readdirSync(join(ROOT, folder)).filter((file) => file.endsWith('.ts'))) {
      // A concept's files are named by its number; scripts/lib/ belongs to none and serves all.
      const owner = folder === 'scripts/lib' ? 'lib' : /^(\d\d)-/.exec(name)?.[1];
      if (!owner) continue;
      const source = readFileSync(join(ROOT, folder, name), 'utf8');
      // A type-only import is gone when the code runs: it ties the types, not the files.
      for (const [, from, loaded] of source.matchAll(
        /^import (?!type\b)[^;]*?\bfrom '([^']+)'|\bimport\('([^']+)'\)/gms,
      )) {
        const module = from ?? loaded;
        const concept = /(?:^|\/)(\d\d)-[a-z0-9-]+\.ts$/.exec(module)?.[1];
        if (concept && concept !== owner) violations.push(`${folder}/${name} imports ${module}`);
      }
    }
  assert.deepEqual(violations, []);
});

test('no line of scripts/, tests/ or bench/ is longer than 120 characters', () => {
  const long = sourceFiles().flatMap((file) =>
    readFileSync(join(ROOT, file), 'utf8')
      .split('\n')
      .flatMap((line, i) => (line.length > 120 ? [`${file}:${i + 1} (${line.length})`] : [])),
  );
  assert.deepEqual(long, []);
});

test(`${doorPages} are at most ${MAX_FRONT_DOOR_LINES} lines, and link to each other near their top`, () => {
  for (const { page, text } of doors) {
    const lines = text.trimEnd().split('\n');
    assert.ok(lines.length <= MAX_FRONT_DOOR_LINES, `${page} has ${lines.length} lines`);
    for (const other of FRONT_DOORS.filter((door) => door.page !== page))
      assert.match(lines.slice(0, 5).join('\n'), new RegExp(`\\]\\(${other.page}\\)`), `${page} links ${other.page}`);
  }
});

test(`every npm script ${doorPages} name is one of package.json's scripts`, () => {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: object };
  for (const { page, text } of doors) {
    const named = [...text.matchAll(/\bnpm (?:run ([\w:-]+)|(start|test)\b)/g)].map(([, run, own]) => run ?? own);
    assert.ok(named.length > 0, `${page} names no npm script`);
    const unknown = named.filter((name) => !Object.hasOwn(scripts, name));
    assert.deepEqual(unknown, [], `${page} names npm scripts that package.json lacks`);
  }
});

test(`README.ko.md is Korean: Hangul on at least ${MIN_HANGUL_SHARE * 100}% of its prose lines`, () => {
  const { korean, prose, share } = hangulLines(readFileSync(join(ROOT, 'README.ko.md'), 'utf8'));
  assert.ok(share >= MIN_HANGUL_SHARE, `${korean} of ${prose} prose lines (${Math.round(share * 100)}%) have Hangul`);
});

test('every link inside NOTES.md leads to a heading', () => {
  const anchors = new Set(notesSections().map((section) => section.anchor));
  const notes = readFileSync(join(ROOT, 'NOTES.md'), 'utf8');
  const broken = [...notes.matchAll(/\]\(#([^)]+)\)/g)].map((link) => link[1]).filter((anchor) => !anchors.has(anchor));
  assert.deepEqual(broken, [], 'links to no heading');
});

const LINKING_PAGES = ['NOTES.md', ...FRONT_DOORS.map((door) => door.page)];

test(`every link from ${LINKING_PAGES.join(', ')} into another page's heading (NOTES.ko.md#…) leads to one`, () => {
  const broken = LINKING_PAGES.flatMap((from) =>
    [...readFileSync(join(ROOT, from), 'utf8').matchAll(/\]\(([A-Z]+(?:\.ko)?\.md)#([^)]+)\)/g)].flatMap(
      ([, page, anchor]) => {
        const anchors = notesSections(readFileSync(join(ROOT, page), 'utf8')).map((section) => section.anchor);
        return anchors.includes(anchor) ? [] : [`${from}: ${page}#${anchor}`];
      },
    ),
  );
  assert.deepEqual(broken, [], 'links to no heading');
});

test('every GLOSSARY.md term has its Korean term and meaning, and links NOTES.md sections that name it', () => {
  const sections = new Map(
    notesSections().map((section) => [section.anchor, section.body.replace(/\s+/g, ' ').toLowerCase()]),
  );
  const glossary = readFileSync(join(ROOT, 'GLOSSARY.md'), 'utf8');
  const rows = glossary.split('\n').filter((line) => line.startsWith('| ') && !/^\| term \|/.test(line));
  assert.ok(rows.length >= 40, `${rows.length} terms`);
  const problems: string[] = [];
  for (const row of rows) {
    const cells = row.slice(2, -2).split(' | ');
    const [term, korean, , meaningKo, shownIn] = cells;
    assert.equal(cells.length, 5, `a row without term, 한국어, meaning, 뜻 and shown in: ${term}`);
    // A Korean term, or one that Korean developers keep in English (`SO_REUSEPORT`, epoll).
    if (!HANGUL.test(korean) && !/[A-Za-z]/.test(korean)) problems.push(`${term}: no Korean term`);
    if (!HANGUL.test(meaningKo)) problems.push(`${term}: no Korean meaning (뜻)`);
    // "ARP, neighbour discovery", "cluster (`node:cluster`)": any of the names will do.
    const names = term
      .replace(/`/g, '')
      .split(/, | \(|\)/)
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name !== '');
    const links = [...shownIn.matchAll(/\]\(NOTES\.md#([^)]+)\)/g)].map((link) => link[1]);
    if (links.length === 0) problems.push(`${term}: no link to NOTES.md`);
    for (const anchor of links) {
      const body = sections.get(anchor);
      if (body === undefined) problems.push(`${term}: NOTES.md has no heading #${anchor}`);
      else if (!names.some((name) => body.includes(name))) problems.push(`${term}: #${anchor} does not name it`);
    }
  }
  assert.deepEqual(problems, []);
});

const CITING_PAGES = ['NOTES.md', 'NOTES.ko.md', 'AUDIT.md', 'MYTHS.md', 'GLOSSARY.md', 'CLAIMS.md'];

test(`every test cited by name in ${CITING_PAGES.join(', ')} exists in the file it names`, () => {
  const missing: string[] = [];
  let cited = 0;
  for (const page of CITING_PAGES)
    for (const { file, quote } of testCitations(readFileSync(join(ROOT, page), 'utf8'))) {
      cited++;
      const source = existsSync(join(ROOT, file)) ? readFileSync(join(ROOT, file), 'utf8') : '';
      if (!citesTestName(quote, testNames(source))) missing.push(`${page}: ${file} has no test "${quote}"`);
    }
  assert.ok(cited >= 50, `only ${cited} citations found: has the tables' way of citing changed?`);
  assert.deepEqual(missing, []);
});

test('a stale citation is caught: 03 has no test "strace shows socket → bind → listen…"', () => {
  const names = testNames(readFileSync(join(ROOT, 'tests/03-accept.test.ts'), 'utf8'));
  assert.equal(citesTestName('strace shows socket → bind → listen…', names), false);
  assert.equal(citesTestName("each accept() returns…, never the listener's", names), true);
});

/** The reading path's limits (GUIDE.md, "Notes"): a concept section a beginner reads beside its script. */
const MAX_SECTION_WORDS = 550;
const MAX_NOTES_WORDS = 10_000;

test(`no concept section of NOTES.md is over ${MAX_SECTION_WORDS} words on the reading path`, () => {
  const concepts = notesSections().filter((section) =>
    /^### .*\(\d\d-[a-z0-9-]+\)$/m.test(section.body.split('\n')[0]),
  );
  assert.ok(concepts.length >= entries.length, `${concepts.length} concept sections`);
  const counts = concepts.map((section) => `${readingWords(section.body)} ${section.heading}`);
  const over = counts.filter((count) => Number.parseInt(count, 10) > MAX_SECTION_WORDS);
  assert.deepEqual(over, [], `words on the reading path, per section:\n${counts.join('\n')}`);
});

test(`NOTES.md is at most ${MAX_NOTES_WORDS} words on the reading path`, () => {
  const words = readingWords(readFileSync(join(ROOT, 'NOTES.md'), 'utf8'));
  assert.ok(words <= MAX_NOTES_WORDS, `NOTES.md has ${words} words on the reading path`);
});

/** The script numbers as NOTES.md meets them: each script's section (its @notes), by where its heading stands. */
function notesOrder(): string[] {
  const anchors = notesSections().map((section) => `#${section.anchor}`);
  const place = (entry: Entry) => anchors.indexOf(entry.notes);
  return [...entries].sort((a, b) => place(a) - place(b)).map((entry) => entry.number);
}

/** A front door's table as [number, level] rows, in the order it lists them. */
const doorRows = (door: (typeof doors)[number]) =>
  conceptRows(door.text, door.levels).map((row) => [row.number, row.level ?? `no level in "${row.row}"`]);

/** `npm run exercise`'s list, as [number, level] in the order it prints them (no progress file: nothing predicted). */
async function exerciseList(): Promise<string[][]> {
  let written = '';
  const absent = join(tmpdir(), `socket-notes-catalog-${process.pid}-none.json`);
  const io = { input: new PassThrough(), terminal: false, write: (text: string) => (written += text) };
  assert.equal(await exercise([], { ...io, env: { SOCKET_NOTES_PROGRESS: absent } }), 0);
  return [...written.matchAll(/^(\d\d): +(\w+) /gm)].map(([, number, level]) => [number, level]);
}

test('every script has its place on the reading path (READING_PATH), and every place there has a script', () => {
  const numbers = entries.map((entry) => entry.number).sort();
  assert.deepEqual(READING_PATH.map((place) => place.number).sort(), numbers);
});

test(`the tour, the tables of ${doorPages} and the exercise list meet the concepts in NOTES.md's order`, async () => {
  const order = notesOrder();
  assert.deepEqual(
    entries.map((entry) => entry.number),
    order,
    'the catalog (READING_PATH in scripts/lib/catalog.ts)',
  );
  assert.deepEqual(
    tourPlan([]).map((entry) => entry.number),
    order,
    'the tour (npm start)',
  );
  for (const door of doors)
    assert.deepEqual(
      doorRows(door).map(([number]) => number),
      order,
      `${door.page}'s table`,
    );
  assert.deepEqual(
    (await exerciseList()).map(([number]) => number),
    order,
    'the exercise list (npm run exercise)',
  );
});

test(`the beginner path is the same in ${doorPages}, the tour and the exercise list, in the notes' order`, async () => {
  const levels = entries.map((entry) => [entry.number, entry.level]);
  assert.ok(levels.some(([, level]) => level === 'basics') && levels.some(([, level]) => level === 'deeper'));
  for (const door of doors)
    assert.deepEqual(doorRows(door), levels, `${door.page}'s table marks each concept as the catalog does`);
  assert.deepEqual(await exerciseList(), levels, 'the exercise list marks each concept as the catalog does');
  const basics = notesOrder().filter((number) => entries.find((entry) => entry.number === number)?.level === 'basics');
  assert.deepEqual(
    tourPlan(['basics']).map((entry) => entry.number),
    basics,
    'npm start -- basics',
  );
});
