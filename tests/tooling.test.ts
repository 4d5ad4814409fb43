/**
 * The learner's entry points: `npm start` (the tour) and `npm run exercise -- NN`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { listEntries, selectEntries } from '../scripts/lib/catalog.ts';
import { nextSteps } from '../scripts/lib/exercise.ts';
import { ROOT, runScript } from './lib/transcript.ts';

/** The test runner marks its children (undefined removes a variable), so an exercise run here runs like a learner's. */
const NOT_UNDER_A_RUNNER = { NODE_TEST_CONTEXT: undefined };

test('the tour runs a chosen script under a heading with its title', async () => {
  const run = await runScript('scripts/lib/tour.ts', ['01']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^== 01\. What a socket is: one connection, two ends ==$/m);
  assert.match(run.stdout, /^\$ npx tsx scripts\/01-socket\.ts$/m);
  assert.match(run.stdout, /^server: +pid \d+ listens on 127\.0\.0\.1:\d+$/m, "the script's own output follows");
  assert.match(run.stdout, /1 of 1 scripts ran to completion/);
});

test('the tour names the scripts there are when asked for one that is not', async () => {
  const run = await runScript('scripts/lib/tour.ts', ['99']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^error: no script "99"; there are 01, /);
});

test('an exercise runs that concept\'s tests, then points to its notes and knobs', async () => {
  const run = await runScript('scripts/lib/exercise.ts', ['3'], { env: { ...NOT_UNDER_A_RUNNER, CLIENTS: '2' }, timeoutMs: 30_000 });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /every one of the 2 clients is accepted/, 'the knob reached the tests');
  assert.match(run.stdout, /^Read: NOTES\.md#22-accept-gives-every-client-its-own-socket-03-accept/m);
  assert.match(run.stdout, /^ {2}CLIENTS /m);
});

test('after an exercise: the notes to read, the demo to run, and the knobs to turn, or the word that there are none', () => {
  const [socket, accept] = selectEntries(['01', '03']);
  assert.match(nextSteps(socket), /^Read: NOTES\.md#11-one-connection-two-ends-01-socket +\(What a socket is/m);
  assert.match(nextSteps(socket), /^Run the demo: npx tsx scripts\/01-socket\.ts$/m);
  assert.match(nextSteps(socket), /^This concept has no knobs/m);
  assert.match(nextSteps(accept), /^Knobs to try/m);
  assert.match(nextSteps(accept), /^ {2}e\.g\. CLIENTS=5 npm run exercise -- 03$/m);
});

test('an exercise needs exactly one concept', async () => {
  const run = await runScript('scripts/lib/exercise.ts', []);
  assert.equal(run.code, 2);
  assert.equal(run.stderr, 'error: name one concept, e.g. npm run exercise -- 04\n');
});

const [major, minor] = process.versions.node.split('.').map(Number);
const stripsTypes = major > 22 || (major === 22 && minor >= 18);

test('every script runs as it is on plain Node (type stripping, no loader)', { skip: stripsTypes ? false : `Node ${process.versions.node} cannot strip types; 22.18 and later can` }, async () => {
  await Promise.all(
    listEntries().map(async (entry) => {
      const { stdout } = await promisify(execFile)(process.execPath, [entry.script, '--help'], { cwd: ROOT, timeout: 10_000 });
      assert.match(stdout, /^Usage: /, `${entry.script} --help under plain node`);
    }),
  );
});
