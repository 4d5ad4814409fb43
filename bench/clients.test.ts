/**
 * The many-clients benchmark (npm run bench:clients) runs end to end, once, with a few hundred
 * clients: every row is measured, nothing is lost, the Python server is compared where python3 is
 * installed. No speed is asserted: the figures depend on the machine.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_CLIENTS } from '../scripts/lab/12-many-clients.ts';
import { benchClients, renderClientsBench } from './clients.ts';
import { renderTimeline } from '../scripts/lib/cli.ts';
import { linuxOnly, toolOrSkip } from '../tests/lib/tools.ts';
import { assertRejects } from '../tests/lib/transcript.ts';

const CLIENTS = 300;
const result = linuxOnly ? undefined : await benchClients(CLIENTS, 64, 1);

test('every server echoes every byte of every client: 0 bytes lost, every figure measured', { skip: linuxOnly }, () => {
  assert.ok(result!.results.length >= 1);
  for (const { name, rounds, medians } of result!.results) {
    assert.equal(rounds.length, 1, name);
    assert.equal(medians.lostBytes, 0, `${name} lost bytes`);
    assert.ok(medians.connectionsPerSecond > 0 && medians.totalMs > 0, name);
    assert.ok(Number.isFinite(medians.bytesPerConnection), name);
  }
});

test('the Python asyncio server runs beside ours, and the table gives the ratios of the same run', {
  skip: linuxOnly,
}, async (t) => {
  if (!(await toolOrSkip(t, 'python3'))) return;
  assert.deepEqual(
    result!.results.map(({ name }) => name),
    ['Node, 12 --serve', 'Python asyncio'],
  );
  const text = renderTimeline(renderClientsBench(result!));
  assert.match(text, /^ratio: +Node against Python asyncio, same run: connects [\d.]+x as fast/m);
});

test('bad input is one error line and exit code 2', () =>
  assertRejects('bench/clients', ['--clients', '0'], new RegExp(`--clients must be between 1 and ${MAX_CLIENTS}`)));
