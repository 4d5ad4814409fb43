/**
 * Exercise: what "localhost" becomes. No knobs; predict, then run:
 *   - Where /etc/hosts lists ::1 before 127.0.0.1, what does a client that tries only the first
 *     address get from a server on 127.0.0.1?
 *   - And one with Happy Eyeballs (autoSelectFamily): which addresses does it try, in which order?
 * Run: npm run exercise -- 17
 */
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { EXERCISE, mermaidNames, observeNames } from '../scripts/17-names.ts';
import { madeOrSkip, observeHosts } from './lib/hosts.ts';
import { measuredAnswers } from './lib/knobs.ts';
import { assertMermaidMatchesNotes, assertRejects, assertSeenMatchesNotes, observedClean } from './lib/transcript.ts';

const hostsBefore = await readFile('/etc/hosts', 'utf8');
const seen = await observedClean(() => observeHosts(observeNames));
const hostsAfter = await readFile('/etc/hosts', 'utf8');

test("the client's /etc/hosts decides: ::1 first there, whatever this machine's says", async (t) => {
  if (!madeOrSkip(t, seen)) return;
  assert.deepEqual(seen.client.resolved, ['::1', '127.0.0.1']);
  const here = (await lookup('localhost', { all: true })).map(({ address }) => address);
  assert.deepEqual(seen.here.localhost, here, "this machine's own answer, from its own /etc/hosts");
  assert.equal(hostsAfter, hostsBefore, "this machine's /etc/hosts is untouched");
});

test('trying only the first address of "localhost" gets ECONNREFUSED ::1 from a server on 127.0.0.1', (t) => {
  if (!madeOrSkip(t, seen)) return;
  assert.equal(seen.server.address, '127.0.0.1');
  assert.deepEqual(
    { ok: seen.client.withoutHappyEyeballs.ok, code: seen.client.withoutHappyEyeballs.code },
    { ok: false, code: 'ECONNREFUSED' },
  );
  assert.equal(seen.client.withoutHappyEyeballs.address, '::1');
});

test("Happy Eyeballs (autoSelectFamily, Node's default) tries ::1, then 127.0.0.1, and connects", (t) => {
  if (!madeOrSkip(t, seen)) return;
  const { port } = seen.server;
  assert.equal(seen.client.defaultAutoSelectFamily, true);
  assert.deepEqual(seen.client.withHappyEyeballs.tried, [`::1:${port}`, `127.0.0.1:${port}`]);
  assert.equal(seen.client.withHappyEyeballs.ok, true);
  assert.equal(seen.client.withHappyEyeballs.remote, '127.0.0.1');
});

test('the questions of `npm run exercise -- 17` are answered by what this run measured', (t) => {
  if (!madeOrSkip(t, seen)) return;
  assert.deepEqual(measuredAnswers(EXERCISE, seen), { 'first-only': 'ECONNREFUSED', 'happy-eyeballs': 2 });
});

test("the output matches the sample in NOTES.md (rendered from this file's run)", async (t) => {
  if (!madeOrSkip(t, seen)) return;
  await assertSeenMatchesNotes('17-names', seen, [
    [/hosts: [a-z\s[\]=!]+: the sources/g, 'hosts: …: the sources'],
    [/dns\.lookup\('localhost', \{ all: true \}\) -> [\d.:a-f, ]+$/m, "dns.lookup('localhost', { all: true }) -> …"],
    [/lists \d+ DNS server/g, 'lists N DNS server'],
  ]);
});

test('a flag it does not take is one line and exit 2', () => assertRejects('17-names', ['--dns'], /--dns/));

test('the diagram in NOTES.md is the one this run draws (--mermaid)', async (t) => {
  if (!madeOrSkip(t, seen)) return;
  await assertMermaidMatchesNotes('17-names', mermaidNames(seen));
});
