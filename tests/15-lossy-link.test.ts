/**
 * Exercise: a link that drops a share of its packets at random. Knobs (predict, then run):
 *   LOSS       percent of the packets toward B the link drops (default 10, 0 to 50). Which sends
 *              fail? How many bytes of the TCP transfer go missing? How much longer does it take?
 *   DATAGRAMS  UDP datagrams sent (default 1000). Does received + dropped still equal sent?
 *   KIB        KiB sent over TCP (default 256).
 * Run: LOSS=30 npm run exercise -- 15   (as root, with nft: apt-get install nftables)
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  EXERCISE,
  KNOBS,
  type LossyObservations,
  mermaidLossyLink,
  observeLossyLink,
} from '../scripts/lab/15-lossy-link.ts';
import type { HostsUnavailable } from '../scripts/lib/hosts.ts';
import { ticksSinceBoot } from '../scripts/lib/proc-stat.ts';
import { liveNamespaces, madeOrSkip, observeHosts } from './lib/hosts.ts';
import { runLessonAlone } from './lib/lesson.ts';
import { atDefaults, knobs, measuredAnswers } from './lib/knobs.ts';
import { toolOrSkip } from './lib/tools.ts';
import { assertMermaidMatchesNotes, assertRejects, assertSeenMatchesNotes, observedClean } from './lib/transcript.ts';

const { LOSS, DATAGRAMS, KIB } = knobs(KNOBS);
let seen: LossyObservations | HostsUnavailable;
let namespacesAfter: Set<string>;
before(async () => {
  seen = await observedClean(() =>
    observeHosts(() => observeLossyLink({ loss: LOSS, datagrams: DATAGRAMS, kib: KIB })),
  );
  // Processes started a little before now (ticks are 10 ms): one started since is in some newer namespace.
  namespacesAfter = liveNamespaces(ticksSinceBoot() - 2);
});

test('the lesson alone (copied into an empty folder, run by node) says in a line what it needs', async () => {
  for (const runner of ['node'] as const) {
    const run = await runLessonAlone('15-lossy-link', runner);
    assert.equal(run.code, 0, `${runner}: ${run.stderr}`);
    assert.equal(run.stdout, 'lesson: this needs two hosts; in the project: npx tsx scripts/15-lossy-link.ts\n');
  }
});

test('UDP over a lossy link: sent = received + dropped by the rule, exactly, and the sender never told', async (t) => {
  if (!(await toolOrSkip(t, 'nft')) || !madeOrSkip(t, seen)) return;
  const { udp } = seen;
  assert.equal(udp.sent, DATAGRAMS);
  assert.equal(udp.received + udp.droppedByRule, udp.sent, 'every datagram arrived or was dropped by the rule');
  assert.equal(udp.sendErrors, 0, 'no send failed');
  assert.equal(udp.socketDrops, 0, "B's socket never overflowed: the only losses are the link's");
  if (LOSS === 0) assert.equal(udp.droppedByRule, 0);
});

test('TCP over the same link: every byte, in order, with the losses retransmitted', async (t) => {
  if (!(await toolOrSkip(t, 'nft')) || !madeOrSkip(t, seen)) return;
  const { tcp } = seen;
  for (const transfer of [tcp.clean, tcp.lossy]) {
    assert.equal(transfer.received, KIB * 1024, 'every byte arrived');
    assert.ok(transfer.sameBytes, 'byte for byte, in order (the same SHA-256)');
  }
  if (LOSS === 0) assert.equal(tcp.droppedByRule, 0);
  if (tcp.droppedByRule > 0) {
    assert.ok(tcp.lossy.retransmittedSegments > 0, "A's kernel retransmitted (Tcp.RetransSegs)");
    if (tcp.lossy.ssRetrans !== null) assert.ok(tcp.lossy.ssRetrans > 0, 'ss -ti counts retransmissions too');
  }
  t.diagnostic(
    `clean ${Math.round(tcp.clean.ms)} ms, lossy ${Math.round(tcp.lossy.ms)} ms, ` +
      `${tcp.droppedByRule} dropped, ${tcp.lossy.retransmittedSegments} retransmitted`,
  );
});

test('when the run ends, its hosts, their namespaces and the rule are gone', async (t) => {
  if (!(await toolOrSkip(t, 'nft')) || !madeOrSkip(t, seen)) return;
  assert.ok(namespacesAfter.size > 0);
  const { hosts } = seen;
  // The rule lived in B's namespace: no process is left there, so nothing is left of it.
  assert.equal([...namespacesAfter].filter((namespace) => namespace === hosts.a || namespace === hosts.b).length, 0);
});

test('the questions of `npm run exercise -- 15` are answered by what this run measured', async (t) => {
  if (!(await toolOrSkip(t, 'nft')) || !madeOrSkip(t, seen)) return;
  assert.deepEqual(measuredAnswers(EXERCISE, seen), { 'udp-told': 0, 'tcp-lost': 0, 'udp-accounting': 'exactly' });
});

test("the output matches the sample in NOTES.md (rendered from this file's run)", async (t) => {
  if (!atDefaults(KNOBS, { LOSS, DATAGRAMS, KIB })) return t.skip('the sample shows the default knobs');
  if (!(await toolOrSkip(t, 'nft')) || !madeOrSkip(t, seen)) return;
  await assertSeenMatchesNotes('15-lossy-link', seen, [
    [/\b(received|dropped|dropped on the link|retrans) \d+/g, '$1 N'],
    [/\b\d+ segments?\b/g, 'N segments'],
    [/\(\d+\.\d%/g, '(N%'],
    [/took \d+\.\d times/g, 'took N times'],
    [/; \d+ tail loss probe\(s\) sent/g, ''],
  ]);
});

test('a loss it cannot make is one line and exit 2', () => assertRejects('15-lossy-link', ['--loss', '51'], /--loss/));

test('the diagram in NOTES.md is the one this run draws (--mermaid)', async (t) => {
  if (!(await toolOrSkip(t, 'nft')) || !madeOrSkip(t, seen)) return;
  if (!atDefaults(KNOBS, { LOSS, DATAGRAMS, KIB })) return t.skip('the diagram shows the default knobs');
  await assertMermaidMatchesNotes('15-lossy-link', mermaidLossyLink(seen), [
    [/\b(received|dropped|read) \d+/g, '$1 N'],
    [/\b\d+ segments/g, 'N segments'],
  ]);
});
