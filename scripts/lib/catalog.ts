/**
 * The collection's table of contents: the numbered scripts, the tags of their headers, and the
 * reading path (the order a learner meets them, and which are the basics).
 * Used by the tour (`npm start`), the exercise runner and the catalog test.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './cli.ts';
import { LEVEL_WORDS } from './messages/levels.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The basics are the seed notes' own topics, which every learner does first; the rest go deeper. */
export type Level = 'basics' | 'deeper';

/**
 * The order a learner meets the concepts, the same as NOTES.md's: the seed's four sections first
 * (a socket; the flow, where 12 and 13 sit beside accept(); the descriptor; TCP and UDP), then
 * beyond one machine. The scripts keep their numbers. tests/catalog.test.ts fails when the tour,
 * the tables of README.md and README.ko.md or the exercise list depart from NOTES.md's order.
 */
export const READING_PATH: readonly { number: string; level: Level }[] = [
  { number: '01', level: 'basics' }, // §1 what a socket is: IP, port, PID
  { number: '02', level: 'basics' }, // §2 the flow: socket, bind, listen, accept, connect, read, write
  { number: '03', level: 'basics' },
  { number: '04', level: 'basics' },
  { number: '05', level: 'basics' },
  { number: '06', level: 'basics' },
  { number: '12', level: 'deeper' }, // many clients and many processes: not in the seed
  { number: '13', level: 'deeper' },
  { number: '07', level: 'basics' }, // §3 the socket descriptor
  { number: '08', level: 'basics' },
  { number: '09', level: 'basics' }, // §4 TCP and UDP
  { number: '10', level: 'basics' },
  { number: '11', level: 'basics' },
  { number: '14', level: 'deeper' }, // §5 beyond one machine
  { number: '15', level: 'deeper' },
  { number: '16', level: 'deeper' },
  { number: '17', level: 'deeper' },
];

/**
 * The front doors a learner opens first, README.md and its Korean edition: each has the concept
 * table in the reading path's order, marking each concept with its level in the page's own words.
 */
export const FRONT_DOORS: readonly { page: string; levels: Record<Level, string> }[] = [
  { page: 'README.md', levels: LEVEL_WORDS.en },
  { page: 'README.ko.md', levels: LEVEL_WORDS.ko },
];
export const MAX_FRONT_DOOR_LINES = 120;

/**
 * A front door's concept table, one row per concept: its number, the whole row, and the level its
 * row names ("| 03 | … | 기초 |" is basics), undefined when the row names none.
 */
export function conceptRows(markdown: string, levels: Record<Level, string>) {
  const levelOf = (cells: string[]) => (Object.keys(levels) as Level[]).find((level) => cells.includes(levels[level]));
  return [...markdown.matchAll(/^\| (\d\d) \|.*$/gm)].map(([row, number]) => ({
    number,
    row,
    level: levelOf(row.split('|').map((cell) => cell.trim())),
  }));
}

export interface Entry {
  /** "03" */
  number: string;
  /** "03-accept" */
  base: string;
  /** "scripts/03-accept.ts": the lesson. */
  script: string;
  /** "scripts/lab/03-accept.ts": the lab, which runs the lesson; it exports `cli`, observations and questions. */
  lab: string;
  /** "tests/03-accept.test.ts" */
  test: string;
  /** Its place on the reading path; a script not placed there yet counts as deeper (the catalog test says so). */
  level: Level;
  /**
   * The header's @title, @notes anchor ("#22-…") and @run command ('' where missing: the catalog test catches that).
   */
  title: string;
  notes: string;
  run: string;
  /** The arguments @run gives after the script's path: what the tour passes when it runs the script. */
  runArgs: string[];
  /** The @knobs lines, none for a concept without knobs. */
  knobs: string[];
  /** Every header tag with its values, in order: { title: ['...'], resource: ['...', '...'] }. */
  tags: Record<string, string[]>;
}

/**
 * The tags of a source file's leading JSDoc block. A tag's value may go on over the next lines;
 * it ends at the next tag or at a line with nothing after its `*`.
 */
export function headerTags(source: string): Record<string, string[]> {
  const header = /^\/\*\*([\s\S]*?)\*\//.exec(source)?.[1] ?? '';
  const tags: Record<string, string[]> = {};
  let open: { tag: string; words: string[] } | undefined;
  const close = () => {
    if (open) tags[open.tag] = [...(tags[open.tag] ?? []), open.words.join(' ')];
    open = undefined;
  };
  for (const line of header.split('\n')) {
    const text = line.replace(/^\s*\*?\s?/, '').trim();
    const tagged = /^@([\w-]+)\s+(.+)$/.exec(text);
    if (tagged) {
      close();
      open = { tag: tagged[1], words: [tagged[2].trim()] };
    } else if (text === '') close();
    else open?.words.push(text);
  }
  close();
  return tags;
}

/** Where a concept's lab is, from the project's root: "scripts/lab/03-accept.ts". */
export function labOf(base: string): string {
  return `scripts/lab/${base}.ts`;
}

/** Where a script stands on the reading path: its index, or after every placed script. */
function placeOf(number: string): number {
  const index = READING_PATH.findIndex((place) => place.number === number);
  return index < 0 ? READING_PATH.length : index;
}

/** Every scripts/NN-slug.ts, in the reading path's order (the notes' order). */
export function listEntries(): Entry[] {
  return readdirSync(new URL('../', import.meta.url))
    .filter((name) => /^\d\d-[a-z0-9-]+\.ts$/.test(name))
    .sort((a, b) => placeOf(a.slice(0, 2)) - placeOf(b.slice(0, 2)) || a.localeCompare(b))
    .map((name) => {
      const base = name.replace(/\.ts$/, '');
      const tags = headerTags(readFileSync(new URL(`../${name}`, import.meta.url), 'utf8'));
      const first = (tag: string) => tags[tag]?.[0] ?? '';
      return {
        number: base.slice(0, 2),
        base,
        script: `scripts/${name}`,
        lab: labOf(base),
        test: `tests/${base}.test.ts`,
        level: READING_PATH.find((place) => place.number === base.slice(0, 2))?.level ?? 'deeper',
        title: first('title'),
        notes: first('notes'),
        run: first('run'),
        runArgs: first('run').split(/\s+/).slice(3),
        knobs: tags.knobs ?? [],
        tags,
      };
    });
}

/** What a runner says of a script name that names none (a runner that speaks Korean says it in Korean). */
export const noScript = (name: string, numbers: readonly string[]): string =>
  `no script "${name}"; there are ${numbers.join(', ')}`;

/** The entries a learner named ("3", "03", "03-accept"), or all of them; an unknown name is a UsageError. */
export function selectEntries(names: readonly string[], unknown = noScript): Entry[] {
  const entries = listEntries();
  if (names.length === 0) return entries;
  return names.map((name) => {
    const wanted = /^\d+$/.test(name) ? name.padStart(2, '0') : name;
    const entry = entries.find((candidate) => candidate.number === wanted || candidate.base === wanted);
    if (!entry)
      throw new UsageError(
        unknown(
          name,
          // By number, not in reading order: the learner looks for the one they meant.
          entries.map((candidate) => candidate.number).sort(),
        ),
      );
    return entry;
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens (letters of any script kept). */
export function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

export interface NotesSection {
  heading: string;
  anchor: string;
  /** The heading line and the text under it, up to the next heading of its level or above. */
  body: string;
}

/** Each heading of NOTES.md with its anchor and its text. */
export function notesSections(notes = readFileSync(join(ROOT, 'NOTES.md'), 'utf8')): NotesSection[] {
  const headings = [...notes.matchAll(/^(#{1,6}) (.+)$/gm)];
  return headings.map((match, i) => {
    const level = match[1].length;
    const next = headings.slice(i + 1).find((later) => later[1].length <= level);
    return {
      heading: match[2],
      anchor: anchorOf(match[2]),
      body: notes.slice(match.index!, next?.index ?? notes.length),
    };
  });
}

/** A NOTES.md anchor as a reader finds it: "§2.3 What listen(backlog) bounds (04-listen-backlog)". */
export function sectionTitle(anchor: string): string {
  const section = notesSections().find((candidate) => `#${candidate.anchor}` === anchor);
  if (!section) throw new Error(`NOTES.md has no heading with the anchor ${anchor}`);
  return headingAsCited(section.heading);
}

/** A heading as the runners cite it: a numbered one after §, any other in quotes. */
export const headingAsCited = (heading: string): string => (/^\d/.test(heading) ? `§${heading}` : `"${heading}"`);

/**
 * The words a reader meets in a stretch of Markdown: whitespace-separated tokens outside fenced code
 * blocks, outside folded `<details>…</details>` blocks and outside HTML comments (tables count).
 */
export function readingWords(markdown: string): number {
  const reading = markdown
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
    .replace(/<details>[\s\S]*?<\/details>/g, '')
    .replace(/<!--[\s\S]*?-->/g, '');
  return reading.split(/\s+/).filter((token) => token !== '').length;
}

/**
 * The names of the tests in a test file's source, as node:test prints them: the first argument of
 * each test(), it() or describe(), its string pieces joined (a `${expression}` kept as written).
 */
export function testNames(source: string): string[] {
  const names: string[] = [];
  for (const call of source.matchAll(/\b(?:test|it|describe)\(\s*/g)) {
    let at = call.index + call[0].length;
    let name = '';
    for (;;) {
      const piece = /^(['"`])((?:\\[\s\S]|(?!\1)[\s\S])*)\1\s*/.exec(source.slice(at));
      if (!piece) break;
      name += piece[2].replace(/\\(.)/g, '$1');
      at += piece[0].length;
      const plus = /^\+\s*/.exec(source.slice(at));
      if (!plus) break;
      at += plus[0].length;
    }
    if (name) names.push(name);
  }
  return names;
}

export interface TestCitation {
  /** "tests/03-accept.test.ts" */
  file: string;
  /** The quoted name as cited, "…" standing for words left out: "each accept() returns…". */
  quote: string;
}

/**
 * The tests a Markdown page cites by name: a link to a test file followed by quoted names
 * (`[04](tests/04-listen-backlog.test.ts) "a backlog above…", "…"`), or "test NN" followed by one.
 */
export function testCitations(markdown: string): TestCitation[] {
  const quoted = /^\s*[,;]?\s*(?:"((?:\\"|[^"])*)"|“([^”]*)”)/;
  const citations: TestCitation[] = [];
  const cite = (file: string, from: number) => {
    let rest = markdown.slice(from);
    for (let quote = quoted.exec(rest); quote; quote = quoted.exec(rest)) {
      citations.push({ file, quote: (quote[1] ?? quote[2]).replace(/\\"/g, '"').replace(/\s+/g, ' ') });
      rest = rest.slice(quote[0].length);
    }
  };
  for (const link of markdown.matchAll(/\]\((tests\/[\w./-]+\.test\.ts)\)/g))
    cite(link[1], link.index + link[0].length);
  for (const named of markdown.matchAll(/\btest (\d\d)\b/g)) {
    const file = listEntries().find((entry) => entry.number === named[1])?.test ?? `tests/${named[1]}-?.test.ts`;
    cite(file, named.index + named[0].length);
  }
  return citations;
}

/**
 * True when some name has every piece of the quote between its "…", in order. A number stands for
 * any number or `${expression}`: the names print their knobs' values ("all 1000 clients") and the
 * source holds the expression (`all ${CLIENTS} clients`).
 */
export function citesTestName(quote: string, names: readonly string[]): boolean {
  const anyNumber = (text: string) => text.replace(/\$\{[^}]*\}|\d[\d,.]*/g, '#');
  const pieces = anyNumber(quote)
    .split(/…|\.\.\./)
    .map((piece) => piece.trim())
    .filter((piece) => piece !== '');
  return names.map(anyNumber).some((name) => {
    let from = 0;
    for (const piece of pieces) {
      const at = name.indexOf(piece, from);
      if (at === -1) return false;
      from = at + piece.length;
    }
    return true;
  });
}

/**
 * A file the learner named (relative to `cwd`, where they typed the command), as a path from the
 * project's root, or absolute when outside it; a missing one is a UsageError said by `noFile`.
 */
export function learnerFile(path: string, cwd: string, noFile = (given: string) => `no file ${given}`): string {
  const absolute = isAbsolute(path) ? path : resolve(cwd, path);
  if (!existsSync(absolute)) throw new UsageError(noFile(path));
  const inside = relative(ROOT, absolute);
  return inside.startsWith('..') ? absolute : inside;
}
