/**
 * Exercise: a TCP connection's life, as the kernel tracks it. No knobs here; predict, then run:
 *   - Which state is a client in while nobody answers its SYN? Does the server have a socket for it?
 *   - Before the server calls accept(), is the connection ESTABLISHED? On which ends?
 *   - After the client's end() but before the server's, which state is each end in?
 *   - When both have closed, which side keeps a socket, in which state, and for how long?
 *   - How many packets does one short connection take, from SYN to the last ACK?
 * Run: npm run exercise -- 09   (the packet test needs tcpdump and permission to capture on lo)
 */
import assert from 'node:assert/strict';
import { before, test, type TestContext } from 'node:test';
import {
  observeHandshake,
  renderHandshake,
  type HandshakeObservations,
  type Packet,
  type Stage,
  EXERCISE,
  mermaidHandshake,
} from '../scripts/lab/09-tcp-handshake.ts';
import { measuredAnswers } from './lib/knobs.ts';
import { ROLE_LINE, runLessonAlone } from './lib/lesson.ts';
import { linuxOnly, toolOrSkip, workedOrSkip } from './lib/tools.ts';
import {
  assertMermaidMatchesNotes,
  assertRejects,
  assertSeenMatchesNotes,
  observedClean,
  renderChanged,
} from './lib/transcript.ts';

/** Linux waits this long in TIME_WAIT (TCP_TIMEWAIT_LEN), whatever net.ipv4.tcp_fin_timeout says. */
const TIME_WAIT_S = 60;

let seen: HandshakeObservations | undefined;
let afterAccept: Stage;
let halfClosed: Stage;
let closed: Stage;
before(async () => {
  if (linuxOnly) return;
  seen = await observedClean(() => observeHandshake({ capture: true }));
  [afterAccept, halfClosed, closed] = seen.life.stages;
});

test('the lesson alone (copied into an empty folder, run by node): two connections ESTABLISHED on both ' +
  'ends before any accept(), a third in SYN_SENT, then FIN_WAIT2/CLOSE_WAIT and TIME_WAIT on the client', {
  skip: linuxOnly,
}, async () => {
  for (const runner of ['node'] as const) {
    const run = await runLessonAlone('09-tcp-handshake', runner);
    assert.equal(run.code, 0, `${runner}: ${run.stderr}`);
    const lines = run.stdout.trimEnd().split('\n');
    for (const line of lines) assert.match(line, ROLE_LINE, `${runner}: a line without its speaker`);
    assert.match(lines[0], /^server: listening on 127\.0\.0\.1:\d+ with backlog 1$/);
    assert.deepEqual(lines.slice(1), [
      'client 1: client ESTABLISHED, server ESTABLISHED',
      'client 2: client ESTABLISHED, server ESTABLISHED',
      'client 3: client SYN_SENT, server no socket',
      'server: accept(), read "hello"; client ESTABLISHED, server ESTABLISHED',
      'client: end(); client FIN_WAIT2, server CLOSE_WAIT',
      'server: end(); client TIME_WAIT, server no socket',
      'kernel: the client end stays in TIME_WAIT (60 s) after this program exits',
    ]);
  }
});

test('a client whose SYN goes unanswered waits in SYN_SENT, and the server has no socket for it', {
  skip: linuxOnly,
}, () => {
  assert.deepEqual(seen!.stalled.unanswered.proc, { client: 'SYN_SENT', server: null });
});

test('both ends are ESTABLISHED before accept() is ever called: the kernel did the handshake', {
  skip: linuxOnly,
}, () => {
  assert.deepEqual(seen!.stalled.queued.proc, { client: 'ESTABLISHED', server: 'ESTABLISHED' });
});

test('after the handshake and accept() both ends are ESTABLISHED and data flows', { skip: linuxOnly }, () => {
  assert.deepEqual(afterAccept.proc, { client: 'ESTABLISHED', server: 'ESTABLISHED' });
  assert.equal(seen!.life.serverRead, 'hello');
});

test("after the client's end() (half-close) the client waits in FIN_WAIT2 and the server in CLOSE_WAIT", {
  skip: linuxOnly,
}, () => {
  assert.deepEqual(halfClosed.proc, { client: 'FIN_WAIT2', server: 'CLOSE_WAIT' });
});

test("the side that closed first is left in TIME_WAIT while the other side's socket is gone", {
  skip: linuxOnly,
}, () => {
  assert.deepEqual(closed.proc, { client: 'TIME_WAIT', server: null });
});

test('ss sees the same states, and the TIME_WAIT timer starts near 60 s', { skip: linuxOnly }, async (t) => {
  if (!(await toolOrSkip(t, 'ss'))) return;
  for (const stage of [seen!.stalled.queued, seen!.stalled.unanswered, ...seen!.life.stages])
    assert.deepEqual(stage.ss, stage.proc, stage.step);
  const left = closed.timeWaitLeftS!;
  assert.ok(left <= TIME_WAIT_S && left >= TIME_WAIT_S - 5, `${left} s left on the TIME_WAIT timer`);
});

/** The captured packets, or a skip (a failure under REQUIRE_TOOLS=1) when tcpdump is missing or may not capture. */
async function packetsOrSkip(t: TestContext): Promise<Packet[] | undefined> {
  if (!(await toolOrSkip(t, 'tcpdump'))) return undefined;
  const capture = seen!.capture!;
  if (capture.status === 'captured') return capture.packets;
  workedOrSkip(t, capture.reason);
  return undefined;
}

test('on the wire: SYN, SYN-ACK, ACK, data, ACK, then a FIN and an ACK from each side', {
  skip: linuxOnly,
}, async (t) => {
  const packets = await packetsOrSkip(t);
  if (!packets) return;
  // Handshake (3), data and its ACK (2), the client's FIN and its ACK (2), the server's FIN and its ACK (2).
  assert.deepEqual(
    packets.map((packet) => `${packet.from} ${packet.flags}`),
    ['client S', 'server S.', 'client .', 'client P.', 'server .', 'client F.', 'server .', 'server F.', 'client .'],
  );
  assert.deepEqual(
    packets.map((packet) => packet.length),
    [0, 0, 0, 'hello'.length, 0, 0, 0, 0, 0],
    'only the data segment carries bytes',
  );
});

/** The demo's observations with `change` applied, rendered as text. */
const renderedWith = (change: (copy: HandshakeObservations) => void) => renderChanged(seen!, renderHandshake, change);

test('the timeline reports what was seen: ss missing or disagreeing, ' +
  'no capture or a failed one, flags without a name', {
  skip: linuxOnly,
}, () => {
  const withoutSs = renderedWith((copy) => {
    copy.ssPresent = false;
    for (const stage of [copy.stalled.queued, copy.stalled.unanswered, ...copy.life.stages]) stage.ss = null;
  });
  assert.match(withoutSs, /ss: not installed/);
  assert.doesNotMatch(withoutSs, /ss agrees|ss says/);

  const disagreeing = renderedWith((copy) => {
    copy.life.stages[1].ss = { client: 'FIN_WAIT1', server: null };
  });
  assert.match(
    disagreeing,
    /client's end FIN_WAIT2, server's end CLOSE_WAIT; ss says client FIN_WAIT1, server none \(no socket\)/,
  );

  assert.match(
    renderedWith((copy) => {
      copy.capture = null;
    }),
    /wire: run with --capture to see the packets/,
  );
  const refused = renderedWith((copy) => {
    copy.capture = { status: 'unavailable', reason: 'tcpdump cannot capture here: no permission' };
  });
  assert.match(refused, /wire: tcpdump cannot capture here: no permission; state view only/);

  // An ECN-setup SYN carries SYN, ECE and CWR: tcpdump prints "SEW", which has no short name here.
  const ecnSyn: Packet = { atMs: 0, from: 'client', flags: 'SEW', length: 0 };
  const unnamed = renderedWith((copy) => {
    copy.capture = { status: 'captured', filter: 'tcp port 1', packets: [ecnSyn] };
  });
  assert.match(unnamed, /wire: client -> server \[SEW\] SEW +at \+0\.000 ms/);
});

test("the output matches the sample in NOTES.md (rendered from this file's run)", { skip: linuxOnly }, async (t) => {
  if (!(await packetsOrSkip(t))) return; // the sample shows the captured packets
  await assertSeenMatchesNotes('09-tcp-handshake', seen);
});

test('an unknown flag is one error line and exit code 2', () =>
  assertRejects('09-tcp-handshake', ['--port', '80'], /Unknown option '--port'/));
test('--capture takes no value', () => assertRejects('09-tcp-handshake', ['--capture=yes'], /--capture/));

test('the questions of `npm run exercise -- 09` are answered by what this run measured', { skip: linuxOnly }, () => {
  assert.deepEqual(measuredAnswers(EXERCISE, seen), {
    'queued-server-end': 'ESTABLISHED',
    'half-closed-server': 'CLOSE_WAIT',
    'after-close': 'TIME_WAIT',
  });
});

test('the diagram in NOTES.md is the one this run draws (--mermaid)', { skip: linuxOnly }, async (t) => {
  if (!(await packetsOrSkip(t))) return;
  await assertMermaidMatchesNotes('09-tcp-handshake', mermaidHandshake(seen!));
});
