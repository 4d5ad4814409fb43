/**
 * Exercise: two hosts, A (192.0.2.1, 2001:db8::1) and B (192.0.2.2, 2001:db8::2), each a network
 * namespace of its own joined by a veth link. No knobs; predict, then run:
 *   - Which address does B see a client on A come from? Which one does A's route choose?
 *   - A server bound to B's address: can A reach it at A's own address, or at A's loopback?
 *   - Does 08's lookup inside A find B's listener?
 * Run: npm run exercise -- 14   (as root: the hosts are network namespaces)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { before, test } from 'node:test';
import {
  type Crossing,
  EXERCISE,
  mermaidTwoHosts,
  observeTwoHosts,
  type TwoHostsObservations,
} from '../scripts/lab/14-two-hosts.ts';
import type { HostsUnavailable } from '../scripts/lib/hosts.ts';
import { nodeArgsFor } from '../scripts/lib/child.ts';
import { isRunning, ticksSinceBoot } from '../scripts/lib/proc-stat.ts';
import { stretchedByLoad, untilTrue } from '../scripts/lib/wait.ts';
import { childrenOf, liveNamespaces, madeOrSkip, observeHosts } from './lib/hosts.ts';
import { ROLE_LINE, runLessonAlone } from './lib/lesson.ts';
import { measuredAnswers } from './lib/knobs.ts';
import { NOBODY_UID, withEffectiveUid } from './lib/as-user.ts';
import {
  assertMermaidMatchesNotes,
  assertRejects,
  assertSeenMatchesNotes,
  observedClean,
  runInProcess,
} from './lib/transcript.ts';

let seen: TwoHostsObservations | HostsUnavailable;
/** A little before the run ended (ticks are 10 ms): a process started since is in some newer namespace. */
let ranUntil: number;
before(async () => {
  seen = await observedClean(() => observeHosts(observeTwoHosts));
  ranUntil = ticksSinceBoot() - 2;
});

test(
  'the lesson alone (copied into an empty folder, run by node): its client reaches its server on ' +
    'loopback from the address the server saw, and the same port at another loopback address is refused',
  async () => {
    for (const runner of ['node'] as const) {
      const run = await runLessonAlone('14-two-hosts', runner);
      assert.equal(run.code, 0, `${runner}: ${run.stderr}`);
      const lines = run.stdout.trimEnd().split('\n');
      for (const line of lines) assert.match(line, ROLE_LINE, `${runner}: a line without its speaker`);
      const [, port] = /^server: listening on 127\.0\.0\.1 port (\d+)$/.exec(lines[0]) ?? [];
      assert.ok(port, `${runner}: the server's port: ${lines[0]}`);
      const end = '127\\.0\\.0\\.1 port (\\d+)';
      const said = new RegExp(`^client: connected from ${end}; the server saw ${end}, at ${end}$`);
      const connected = lines.map((line) => said.exec(line)).find(Boolean);
      assert.ok(connected, `${runner}: the client connected: ${lines.join(' | ')}`);
      assert.equal(connected[1], connected[2], `${runner}: the server saw the client's own port`);
      assert.equal(connected[3], port, `${runner}: at the server's port`);
      assert.ok(lines.includes(`client: connect() to 127.0.0.2 port ${port}: ECONNREFUSED`), `${runner}: 127.0.0.2`);
    }
  },
);
const FAMILIES = ['ipv4', 'ipv6'] as const;

test("the client's source address is A's, the one A's route to B names", (t) => {
  if (!madeOrSkip(t, seen)) return;
  for (const family of FAMILIES) {
    const { route, dialled }: Crossing = seen[family];
    assert.deepEqual(route, { device: seen.a.link, source: seen.a[family] }, `${family}: the route out of A's link`);
    assert.ok(dialled.ok, `${family}: A reached B's server`);
    assert.equal(dialled.local.address, route.source, `${family}: the socket took the route's source address`);
    assert.deepEqual(dialled.serverSaw.remote, dialled.local, `${family}: B saw the same pair A had`);
    assert.equal(dialled.serverSaw.local.address, seen.b[family], `${family}: and arrived at B's address`);
  }
});

test("A learns B's link-layer address with the first packet: no neighbour entry before, B's MAC after", (t) => {
  if (!madeOrSkip(t, seen)) return;
  for (const family of FAMILIES) {
    assert.equal(seen[family].neighbourBefore, null, `${family}: no entry before any packet`);
    assert.equal(seen[family].neighbourAfter?.lladdr, seen.b.linkAddress, `${family}: B's host-b after`);
  }
});

test("B's server is not at A's address, nor at A's loopback: each host has addresses of its own", (t) => {
  if (!madeOrSkip(t, seen)) return;
  for (const family of FAMILIES) {
    assert.deepEqual(seen[family].atOwnAddress, { ok: false, code: 'ECONNREFUSED' }, `${family}: A's address`);
    assert.deepEqual(seen[family].atLoopback, { ok: false, code: 'ECONNREFUSED' }, `${family}: A's loopback`);
  }
});

test(
  "each host has socket tables of its own: 08's lookup finds B's listener in B, held by the lesson's server " +
    'program there, and nothing in A',
  (t) => {
    if (!madeOrSkip(t, seen)) return;
    for (const family of FAMILIES) {
      const { inB, inA }: Crossing['lookup'] = seen[family].lookup;
      const listener = inB.find((holder) => holder.state === 'LISTEN');
      assert.equal(listener?.localAddress, seen.b[family], `${family}: B's listener, on B's address`);
      assert.deepEqual(
        listener?.pids.map(({ pid }) => pid),
        [seen[family].server.pid],
        `${family}: held by the server program the lab started in B`,
      );
      assert.deepEqual(inA, [], `${family}: A's tables have nothing on that port`);
    }
    assert.notEqual(seen.a.namespace, seen.b.namespace);
  },
);

test('when the run ends, both hosts and their namespaces are gone', (t) => {
  if (!madeOrSkip(t, seen)) return;
  const live = liveNamespaces(ranUntil);
  assert.ok(!live.has(seen.a.namespace) && !live.has(seen.b.namespace), 'no process is left in either namespace');
});

test(
  'a run killed halfway leaves nothing behind: its hosts and their programs end with it, and so do the ' + 'namespaces',
  async (t) => {
    if (!madeOrSkip(t, seen)) return;
    const run = spawn(process.execPath, nodeArgsFor('scripts/14-two-hosts.ts'), { stdio: 'ignore' });
    // The hosts are the script's children, and so are the lesson's programs it starts in them: once a
    // program runs beside the two hosts, the script is in the middle of its work.
    await untilTrue(
      async () => childrenOf(run.pid!).length >= 3,
      stretchedByLoad(20_000),
      'the hosts and a program in one',
    );
    const hosts = childrenOf(run.pid!);
    run.kill('SIGKILL');
    await once(run, 'exit');
    // A host whose script is gone loses its IPC channel and exits; a zombie waiting for its reaper counts as gone.
    await untilTrue(async () => !hosts.some(isRunning), 10_000, 'the hosts and programs to end with their script');
  },
);

test('the questions of `npm run exercise -- 14` are answered by what this run measured', (t) => {
  if (!madeOrSkip(t, seen)) return;
  assert.deepEqual(measuredAnswers(EXERCISE, seen), {
    'source-address': seen.a.ipv4,
    'own-address': 'ECONNREFUSED',
    tables: 0,
  });
});

test("the output matches the sample in NOTES.md (rendered from this file's run)", async (t) => {
  if (!madeOrSkip(t, seen)) return;
  await assertSeenMatchesNotes('14-two-hosts', seen, [
    [/net:\[\d+\]/g, 'net:[N]'],
    [/lladdr [0-9a-f:]+/g, 'lladdr MAC'],
    [/\), [A-Z]+, learnt by/g, '), STATE, learnt by'],
  ]);
});

test('without root there are no hosts to make: one line that says why, and exit 1', {
  skip: process.geteuid?.() === 0 ? false : 'needs root, to take the uid of nobody for one run',
}, async () => {
  const run = await withEffectiveUid(NOBODY_UID, () => runInProcess('14-two-hosts', []));
  assert.equal(run.code, 1);
  assert.equal(run.stdout, '');
  assert.match(
    run.stderr,
    /^error: two hosts need network namespaces, which these scripts make only as root \(unshare: .+\)\n$/,
  );
});

test('a flag it does not take is one line and exit 2', () =>
  assertRejects('14-two-hosts', ['--hosts', '3'], /--hosts/));

test('the diagram in NOTES.md is the one this run draws (--mermaid)', async (t) => {
  if (!madeOrSkip(t, seen)) return;
  await assertMermaidMatchesNotes('14-two-hosts', mermaidTwoHosts(seen), [
    [/net:\[\d+\]/g, 'net:[N]'],
    [/lladdr [0-9a-f:]+/g, 'lladdr MAC'],
  ]);
});
