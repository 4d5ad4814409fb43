/**
 * Exercise: a peer that vanished. Knobs (predict, then run):
 *   RETRIES  net.ipv4.tcp_retries2 in host A (default 3, 1 to 4). Does write() fail? When does
 *            the connection give up, and what would the default 15 mean?
 * And without knobs: does an idle connection ever notice? What does a rebooted peer answer?
 * Run: RETRIES=2 npm run exercise -- 16   (as root, with nft)
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  DEFAULT_RETRIES,
  EXERCISE,
  giveUpMs,
  KNOBS,
  mermaidDeadPeer,
  type DeadPeerObservations,
  observeDeadPeer,
  renderDeadPeer,
} from '../scripts/lab/16-dead-peer.ts';
import type { HostsUnavailable } from '../scripts/lib/hosts.ts';
import { renderTimeline } from '../scripts/lib/cli.ts';
import { madeOrSkip, observeHosts } from './lib/hosts.ts';
import { runLessonAlone } from './lib/lesson.ts';
import { atDefaults, knobs, measuredAnswers } from './lib/knobs.ts';
import { toolOrSkip } from './lib/tools.ts';
import {
  assertMermaidMatchesNotes,
  assertRejects,
  assertRenderingMatchesNotes,
  type Mask,
  observedClean,
} from './lib/transcript.ts';

const { RETRIES } = knobs(KNOBS);
/**
 * ss's timers vary from run to run: the kind, the time to the next expiry, the count. The time is
 * empty when the timer is due this very millisecond (print_ms_timer() in iproute2's misc/ss.c
 * prints nothing for 0).
 */
const SS_TIMER: Mask = [/timer:\([a-z]+,[^,]*,\d+\)/g, 'timer:(KIND,NEXT,N)'];
let seen: DeadPeerObservations | HostsUnavailable;
before(async () => {
  seen = await observedClean(() => observeHosts(() => observeDeadPeer(RETRIES)));
});

test('the lesson alone (copied into an empty folder, run by node) says in a line what it needs', async () => {
  for (const runner of ['node'] as const) {
    const run = await runLessonAlone('16-dead-peer', runner);
    assert.equal(run.code, 0, `${runner}: ${run.stderr}`);
    assert.equal(run.stdout, 'lesson: this needs two hosts; in the project: npx tsx scripts/16-dead-peer.ts\n');
  }
});

test('to a vanished peer, write() still succeeds: the kernel took the bytes', async (t) => {
  if (!(await toolOrSkip(t, 'nft')) || !madeOrSkip(t, seen)) return;
  assert.equal(seen.written.retransmitting.accepted, true);
});

test('the kernel retransmits, then gives up with ETIMEDOUT, never before tcp_retries2 allows', async (t) => {
  if (!(await toolOrSkip(t, 'nft')) || !madeOrSkip(t, seen)) return;
  assert.match(seen.timers.retransmitting, /^timer:\(on,/, 'ss -to shows the retransmission timer running');
  assert.equal(seen.endings.retransmitting.code, 'ETIMEDOUT');
  // The model counts from the first retransmission, which comes after the write, which comes after the start.
  assert.ok(seen.endings.retransmitting.afterMs >= seen.model.retriesMs, `${seen.endings.retransmitting.afterMs} ms`);
});

test("tcp_retries2 = 15, the default, means 924.6 s by the kernel's model (ip-sysctl.rst)", () => {
  assert.equal(giveUpMs(15, 120_000), 924_600);
  assert.equal(giveUpMs(3, 120_000), 3000);
});

test('an idle connection notices nothing; keepalive turns the silence into ETIMEDOUT', async (t) => {
  if (!(await toolOrSkip(t, 'nft')) || !madeOrSkip(t, seen)) return;
  assert.deepEqual(seen.idle, { error: false, state: 'ESTAB' }, 'without keepalive: no error, still established');
  assert.match(seen.timers.keepalive, /^timer:\(keepalive,/, 'ss -to shows the keepalive timer');
  assert.equal(seen.endings.keepalive.code, 'ETIMEDOUT');
});

test('a peer that rebooted answers the next segment with a reset: ECONNRESET', async (t) => {
  if (!(await toolOrSkip(t, 'nft')) || !madeOrSkip(t, seen)) return;
  assert.equal(seen.written.rebooted.accepted, true, 'the write itself succeeds');
  assert.equal(seen.endings.rebooted.code, 'ECONNRESET');
});

test('the questions of `npm run exercise -- 16` are answered by what this run measured', async (t) => {
  if (!(await toolOrSkip(t, 'nft')) || !madeOrSkip(t, seen)) return;
  assert.deepEqual(measuredAnswers(EXERCISE, seen), {
    'write-after-death': 'accepted',
    'idle-notices': 'nothing',
    'after-reboot': 'ECONNRESET',
  });
});

test('the output matches the sample in NOTES.md', async (t) => {
  if (!(await toolOrSkip(t, 'nft')) || !madeOrSkip(t, seen)) return;
  if (!atDefaults(KNOBS, { RETRIES })) return t.skip(`the sample shows RETRIES=${DEFAULT_RETRIES}`);
  // The demo waits out kernel timers for seconds: this run's observations, rendered, rather than a second run.
  await assertRenderingMatchesNotes('16-dead-peer', [], `${renderTimeline(renderDeadPeer(seen))}\n`, [
    SS_TIMER,
    [/\((ss -K|its program killed)/g, '(HOW'],
  ]);
});

test('a tcp_retries2 out of range is one line and exit 2', () =>
  assertRejects('16-dead-peer', ['--retries', '9'], /--retries/));

test('the diagram in NOTES.md is the one this run draws (--mermaid)', async (t) => {
  if (!(await toolOrSkip(t, 'nft')) || !madeOrSkip(t, seen)) return;
  if (!atDefaults(KNOBS, { RETRIES })) return t.skip(`the diagram shows RETRIES=${DEFAULT_RETRIES}`);
  await assertMermaidMatchesNotes('16-dead-peer', mermaidDeadPeer(seen), [SS_TIMER]);
});
