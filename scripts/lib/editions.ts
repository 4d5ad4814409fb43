/**
 * The two editions of the notes, NOTES.md and NOTES.ko.md, kept in step. Both have the same
 * sections in the same order, with the same checked transcripts, diagrams and file links; and
 * tests/notes-editions.json records, per section, the text of each edition that the other one
 * matches. A section edited in one edition and not the other no longer matches its record, and
 * the editions test fails until the other edition is updated too and `npm run notes:sync` renews
 * the record.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { anchorOf, ROOT } from './catalog.ts';
import { isMain } from './cli.ts';

export const EDITIONS = { en: 'NOTES.md', ko: 'NOTES.ko.md' } as const;
export type Edition = keyof typeof EDITIONS;
export const SYNC_RECORD = 'tests/notes-editions.json';

export interface EditionSection {
  level: number;
  heading: string;
  /** What names the section in both editions: "03-accept", "2.", or the heading's place among its level's. */
  key: string;
  /** The heading line and the text under it, up to the next heading of any level. */
  own: string;
}

/**
 * The sections of one edition. A line starting with `#` inside a fenced block is code, not a heading.
 */
export function editionSections(text: string): EditionSection[] {
  const sections: EditionSection[] = [];
  const seenAtLevel = new Map<number, number>();
  let inFence = false;
  let current: { level: number; heading: string; lines: string[] } | undefined;
  const close = () => {
    if (!current) return;
    const { level, heading, lines } = current;
    const place = (seenAtLevel.get(level) ?? 0) + 1;
    seenAtLevel.set(level, place);
    const key = /\((\d\d-[a-z0-9-]+)\)$/.exec(heading)?.[1] ?? /^(\d+\.)\s/.exec(heading)?.[1] ?? `h${level}:${place}`;
    sections.push({ level, heading, key, own: lines.join('\n') });
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    const heading = inFence ? null : /^(#{1,6}) (.+)$/.exec(line);
    if (heading) {
      close();
      current = { level: heading[1].length, heading: heading[2], lines: [] };
    }
    current?.lines.push(line);
  }
  close();
  return sections;
}

/** The checked blocks of a section: each `<!-- transcript|mermaid: … -->` marker with the fenced block after it. */
export function checkedBlocks(own: string): string[] {
  return [...own.matchAll(/^<!-- (?:transcript|mermaid): [^>]+ -->\n```[^\n]*\n[\s\S]*?\n```$/gm)].map(
    ([block]) => block,
  );
}

/** Every fenced block of a section, markers aside: commands and samples are the same in both editions. */
export function fencedBlocks(own: string): string[] {
  return [...own.matchAll(/^```[^\n]*\n[\s\S]*?\n```$/gm)].map(([block]) => block);
}

/** The links of a section to files (not to a heading, and not to the other edition). */
export function fileLinks(own: string): string[] {
  const targets = [...own.matchAll(/\]\(([^)#][^)]*)\)/g)].map((link) => link[1]);
  return targets.filter((target) => !Object.values(EDITIONS).some((notes) => target.startsWith(notes))).sort();
}

export const foldedBlocks = (own: string): number => own.match(/^<details>/gm)?.length ?? 0;

/** A short fingerprint of a section's text, as the sync record keeps it. */
export const fingerprint = (own: string): string => createHash('sha256').update(own).digest('hex').slice(0, 12);

export type SyncRecord = Record<string, Record<Edition, string>>;

export function readEdition(edition: Edition): string {
  return readFileSync(join(ROOT, EDITIONS[edition]), 'utf8');
}

/**
 * The heading in `edition` of the section NOTES.md names by `anchor` ('#23-…'): the section with the
 * same key, so a runner speaking Korean points at NOTES.ko.md's own heading.
 */
export function headingIn(edition: Edition, anchor: string): string {
  const english = editionSections(readEdition('en')).find((section) => `#${anchorOf(section.heading)}` === anchor);
  if (!english) throw new Error(`${EDITIONS.en} has no heading with the anchor ${anchor}`);
  if (edition === 'en') return english.heading;
  const other = editionSections(readEdition(edition)).find((section) => section.key === english.key);
  if (!other) throw new Error(`${EDITIONS[edition]} has no section ${english.key}`);
  return other.heading;
}

/** The record as it would be now: each section's fingerprint in both editions. */
export function currentRecord(): SyncRecord {
  const [en, ko] = [editionSections(readEdition('en')), editionSections(readEdition('ko'))];
  const keys = en.map((section) => section.key);
  const missing = keys.filter((key) => !ko.some((section) => section.key === key));
  if (missing.length > 0 || ko.length !== en.length)
    throw new Error(`the editions do not have the same sections (in ${EDITIONS.en} only: ${missing.join(', ')})`);
  return Object.fromEntries(
    en.map((section, i) => [section.key, { en: fingerprint(section.own), ko: fingerprint(ko[i].own) }]),
  );
}

// `npm run notes:sync`: after both editions of a section were updated, record them as matching.
if (isMain(import.meta.url)) {
  try {
    writeFileSync(join(ROOT, SYNC_RECORD), `${JSON.stringify(currentRecord(), null, 2)}\n`);
    console.log(`notes:sync: ${SYNC_RECORD} now records both editions as they are`);
  } catch (error) {
    console.error(`notes:sync: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}
