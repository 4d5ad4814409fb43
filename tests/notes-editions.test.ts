/**
 * The Korean edition of the notes, NOTES.ko.md, against the English one: the same sections, the
 * same checked blocks (so every transcript and diagram the English edition's tests compare with a
 * fresh run is the Korean edition's too), links both ways, and no section changed in one edition
 * without the other.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { anchorOf, ROOT } from '../scripts/lib/catalog.ts';
import {
  checkedBlocks,
  EDITIONS,
  type Edition,
  editionSections,
  fencedBlocks,
  fileLinks,
  fingerprint,
  foldedBlocks,
  hangulLines,
  MIN_HANGUL_SHARE,
  readEdition,
  SYNC_RECORD,
  type SyncRecord,
} from '../scripts/lib/editions.ts';

const en = editionSections(readEdition('en'));
const ko = editionSections(readEdition('ko'));
const record: SyncRecord = JSON.parse(readFileSync(join(ROOT, SYNC_RECORD), 'utf8'));
const pairs = en.map((section, i) => ({ key: section.key, en: section, ko: ko[i] }));

/** Comments in shell samples may be translated; the commands themselves may not. */
const withoutShellComments = (block: string) =>
  /^```(sh|bash)\n/.test(block) ? block.replace(/[ \t]+#.*$/gm, '') : block;

test('both editions have the same sections, in the same order', () => {
  assert.deepEqual(
    ko.map((section) => `${'#'.repeat(section.level)} ${section.key}`),
    en.map((section) => `${'#'.repeat(section.level)} ${section.key}`),
  );
});

test('each section has the same checked transcripts and diagrams, code, folded blocks and file links in both', () => {
  for (const { key, en: english, ko: korean } of pairs) {
    assert.deepEqual(checkedBlocks(korean.own), checkedBlocks(english.own), `${key}: transcripts and diagrams`);
    assert.deepEqual(
      fencedBlocks(korean.own).map(withoutShellComments),
      fencedBlocks(english.own).map(withoutShellComments),
      `${key}: code blocks`,
    );
    assert.equal(foldedBlocks(korean.own), foldedBlocks(english.own), `${key}: "Deeper" blocks`);
    assert.deepEqual(fileLinks(korean.own), fileLinks(english.own), `${key}: links to files`);
  }
});

test(`no section changed in one edition without the other (${SYNC_RECORD}; npm run notes:sync renews it)`, () => {
  const stale = pairs.flatMap(({ key, en: english, ko: korean }) => {
    const kept = record[key];
    if (!kept) return [`${key}: not in the record`];
    const changed = (['en', 'ko'] as Edition[]).filter(
      (edition) => kept[edition] !== fingerprint((edition === 'en' ? english : korean).own),
    );
    if (changed.length !== 1) return changed.length === 0 ? [] : [`${key}: both changed; check they agree, then sync`];
    const [edited] = changed;
    const other = edited === 'en' ? 'ko' : 'en';
    return [`${key}: changed in ${EDITIONS[edited]} only: update ${EDITIONS[other]} to match, then sync`];
  });
  assert.deepEqual(stale, []);
  assert.deepEqual(Object.keys(record).sort(), pairs.map(({ key }) => key).sort(), 'the record has no other sections');
});

test('the title and each concept section link to their counterpart in the other edition', () => {
  const linkTo = (edition: Edition, label: string, heading: string) =>
    `[${label}](${EDITIONS[edition]}#${anchorOf(heading)})`;
  for (const { key, en: english, ko: korean } of pairs) {
    if (english.level !== 1 && !/^\d\d-/.test(key)) continue;
    assert.ok(korean.own.includes(linkTo('en', 'English', english.heading)), `${key}: NOTES.ko.md links to NOTES.md`);
    assert.ok(english.own.includes(linkTo('ko', '한국어', korean.heading)), `${key}: NOTES.md links to NOTES.ko.md`);
  }
});

test('every link inside NOTES.ko.md to a heading leads to one', () => {
  const anchors = new Set(ko.map((section) => anchorOf(section.heading)));
  const broken = [...readEdition('ko').matchAll(/\]\(#([^)]+)\)/g)]
    .map((link) => link[1])
    .filter((anchor) => !anchors.has(anchor));
  assert.deepEqual(broken, []);
});

test(`NOTES.ko.md is Korean: Hangul on at least ${MIN_HANGUL_SHARE * 100}% of its prose lines`, () => {
  const { korean, prose, share } = hangulLines(readEdition('ko'));
  assert.ok(share >= MIN_HANGUL_SHARE, `${korean} of ${prose} prose lines (${Math.round(share * 100)}%) have Hangul`);
});
