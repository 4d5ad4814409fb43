/**
 * Three claims for the exercise runner's report (tests/exercise.test.ts runs this file as a
 * concept's claims): one passes and names the knob it was given, one is skipped, one fails.
 * Not part of npm test: its failure is the point.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

test(`a claim that passes, run with KNOB=${process.env.KNOB}`, () => {
  assert.ok(true);
});

test('a claim that is skipped', (t) => {
  t.skip('nothing to check on this machine');
});

test('a claim that fails', () => {
  assert.equal(1 + 1, 3, 'one and one make three');
});
