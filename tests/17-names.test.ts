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
import { before, type TestContext, test } from 'node:test';
import { EXERCISE, mermaidNames, type NamesObservations, observeNames } from '../scripts/lab/17-names.ts';
import { measuredAnswers } from './lib/knobs.ts';
import { ROLE_LINE, runLessonAlone } from './lib/lesson.ts';
import { workedOrSkip } from './lib/tools.ts';
import { assertMermaidMatchesNotes, assertRejects, assertSeenMatchesNotes, observedClean } from './lib/transcript.ts';

let hostsBefore: string;
let hostsAfter: string;
let seen: NamesObservations;
before(async () => {
  hostsBefore = await readFile('/etc/hosts', 'utf8');
  seen = await observedClean(observeNames);
  hostsAfter = await readFile('/etc/hosts', 'utf8');
});

/** True when the lesson ran again under our /etc/hosts; otherwise the test skips with the reason. */
const ranUnderOwnHosts = (t: TestContext) =>
  workedOrSkip(t, 'unavailable' in seen.ownHosts ? seen.ownHosts.unavailable : undefined);

const thisMachine = async () => (await lookup('localhost', { all: true })).map(({ address }) => address);

test(
  "the lesson alone (copied into an empty folder, run by node): it prints this machine's answer for " +
    '"localhost", then, with ::1 first, ECONNREFUSED ::1 without Happy Eyeballs and 127.0.0.1 with it',
  async () => {
    const here = await thisMachine();
    for (const runner of ['node'] as const) {
      const run = await runLessonAlone('17-names', runner);
      assert.equal(run.code, 0, `${runner}: ${run.stderr}`);
      const lines = run.stdout.trimEnd().split('\n');
      for (const line of lines) assert.match(line, ROLE_LINE, `${runner}: a line without its speaker`);
      assert.equal(lines[0], `names: this machine's resolver: localhost -> ${here.join(', ')}`, runner);
      const [, port] = /^server: listening on 127\.0\.0\.1:(\d+) only$/.exec(lines[1]) ?? [];
      assert.ok(port, `${runner}: the second line names the listener: ${lines[1]}`);
      assert.deepEqual(
        lines.slice(2, -1),
        [
          'client: its lookup: localhost -> ::1, 127.0.0.1',
          'client: autoSelectFamily false: tried the first address only -> ECONNREFUSED ::1',
          `client: autoSelectFamily true: tried ::1:${port}, then 127.0.0.1:${port} -> connected to 127.0.0.1`,
          "client: Node's default here: autoSelectFamily true",
        ],
        runner,
      );
      assert.equal(lines.at(-1), 'server: closed');
    }
  },
);

test(
  "an /etc/hosts listing ::1 first decides: the lesson's own lookup answers ::1 first there, whatever this " +
    "machine's says",
  async (t) => {
    assert.deepEqual(seen.here.localhost, await thisMachine(), "this machine's own answer, from its own /etc/hosts");
    assert.equal(hostsAfter, hostsBefore, "this machine's /etc/hosts is untouched");
    if (!ranUnderOwnHosts(t) || 'unavailable' in seen.ownHosts) return;
    assert.deepEqual(seen.ownHosts.localhost, ['::1', '127.0.0.1']);
    assert.deepEqual(seen.client.resolved, seen.ownHosts.localhost, "the client's lookup gives that same order");
  },
);

test('trying only the first address of "localhost" gets ECONNREFUSED ::1 from a server on 127.0.0.1', () => {
  assert.equal(seen.server.address, '127.0.0.1');
  assert.deepEqual(
    { ok: seen.client.withoutHappyEyeballs.ok, code: seen.client.withoutHappyEyeballs.code },
    { ok: false, code: 'ECONNREFUSED' },
  );
  assert.equal(seen.client.withoutHappyEyeballs.address, '::1');
});

test("Happy Eyeballs (autoSelectFamily, Node's default) tries ::1, then 127.0.0.1, and connects", () => {
  const { port } = seen.server;
  assert.equal(seen.client.defaultAutoSelectFamily, true);
  assert.deepEqual(seen.client.withHappyEyeballs.tried, [`::1:${port}`, `127.0.0.1:${port}`]);
  assert.equal(seen.client.withHappyEyeballs.ok, true);
  assert.equal(seen.client.withHappyEyeballs.remote, '127.0.0.1');
});

test('the questions of `npm run exercise -- 17` are answered by what this run measured', () => {
  assert.deepEqual(measuredAnswers(EXERCISE, seen), { 'first-only': 'ECONNREFUSED', 'happy-eyeballs': 2 });
});

test("the output matches the sample in NOTES.md (rendered from this file's run)", async (t) => {
  if (!ranUnderOwnHosts(t)) return;
  await assertSeenMatchesNotes('17-names', seen, [
    [/hosts: [a-z\s[\]=!]+: the sources/g, 'hosts: …: the sources'],
    [/dns\.lookup\('localhost', \{ all: true \}\) -> [\d.:a-f, ]+$/m, "dns.lookup('localhost', { all: true }) -> …"],
    [/lists \d+ DNS server/g, 'lists N DNS server'],
  ]);
});

test('a flag it does not take is one line and exit 2', () => assertRejects('17-names', ['--dns'], /--dns/));

test('the diagram in NOTES.md is the one this run draws (--mermaid)', async () => {
  await assertMermaidMatchesNotes('17-names', mermaidNames(seen));
});
