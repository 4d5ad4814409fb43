/**
 * Exercise: TCP against UDP. Knobs:
 *   FLOOD, PAYLOAD  the burst of 10 (records of PAYLOAD bytes), now over TCP (defaults 2000, 200)
 *   DATAGRAMS       10's sizes, now as TCP writes (default 5)
 *   ROUND_TRIPS, RUNS, BULK_MIB  the speed measurements (defaults 30, 3, 4: the tests only check that the
 *                   table is complete; the script's own defaults, 100 and 5, give steadier figures, and every
 *                   connection opened per request leaves a TIME_WAIT row for 60 s)
 * Predict, then run (FLOOD=20000 PAYLOAD=1000 npm run exercise -- 11):
 *   - How many of the FLOOD records arrive over TCP, where UDP lost most of them?
 *   - How many packets does one request and reply cost over UDP? Over TCP, connection included?
 *   - Which is slower: TCP per message, or TCP per new connection?
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createConnection } from 'node:net';
import { before, test, type TestContext } from 'node:test';
import {
  EXERCISE,
  KNOBS,
  measureOverhead,
  mermaidOverhead,
  startServers,
  type TcpVsUdpObservations,
} from '../scripts/lab/11-tcp-vs-udp.ts';
import { datagramSizes } from '../scripts/lib/udp.ts';
import { onceWithin, stretchedByLoad } from '../scripts/lib/wait.ts';
import { NOBODY_UID, withEffectiveUid } from './lib/as-user.ts';
import { atDefaults, knobs, measuredAnswers, UNMEASURED } from './lib/knobs.ts';
import { ROLE_LINE, runLessonAlone } from './lib/lesson.ts';
import { linuxOnly, toolOrSkip, workedOrSkip } from './lib/tools.ts';
import { startServing } from './lib/serve.ts';
import { assertMermaidMatchesNotes, assertRejects, assertSeenMatchesNotes, observedClean } from './lib/transcript.ts';

const KNOB_VALUES = knobs(KNOBS);
const { FLOOD, PAYLOAD, DATAGRAMS, RUNS } = KNOB_VALUES;

// The demo as the exercise runs it, with the same knobs.
let seen: TcpVsUdpObservations;
before(async () => {
  seen = await observedClean(() => EXERCISE.observe(KNOB_VALUES));
});

test(`the burst of ${FLOOD} records that UDP lost in 10 arrives complete over TCP, byte for byte and in order`, () => {
  const { reliability } = seen;
  assert.equal(reliability.bytes, FLOOD * PAYLOAD);
  assert.equal(reliability.received, FLOOD * PAYLOAD, 'every byte arrived');
  assert.ok(reliability.sameBytes, 'the SHA-256 of what arrived is that of what was sent');
  assert.ok(reliability.inOrder, 'record i is at offset i * PAYLOAD');
});

test('while the receiver was frozen, every byte sat in a buffer: flow control held the sender back, nothing was ' +
  'dropped', {
  skip: linuxOnly,
}, () => {
  const { receiverKernel, senderKernel, senderProcess, nodeUnsent } = seen.reliability.whileFrozen!;
  // senderProcess is the remainder (what the kernels do not hold); Node's own count of unsent bytes is the independent
  // witness.
  assert.equal(receiverKernel + senderKernel + senderProcess, FLOOD * PAYLOAD);
  assert.ok(receiverKernel > 0, "the frozen receiver's kernel took bytes until its window closed");
  assert.ok(senderProcess >= 0, 'the kernels never hold more than was written');
  assert.ok(
    senderProcess <= nodeUnsent,
    `every byte the kernels lack is still queued in Node: ${senderProcess} missing, ${nodeUnsent} unsent`,
  );
});

test(
  `TCP keeps no boundaries: ${DATAGRAMS} writes arrive as one stream of the same bytes, and the empty write ` +
    `sends nothing`,
  () => {
    const { writes, reads, sameBytes } = seen.boundaries;
    const sizes = datagramSizes(DATAGRAMS);
    assert.deepEqual(writes, sizes);
    assert.equal(
      reads.reduce((sum, size) => sum + size, 0),
      sizes.reduce((sum, size) => sum + size, 0),
    );
    assert.ok(sameBytes);
    assert.ok(
      reads.every((size) => size > 0),
      'a read never returns an empty piece while the stream is open',
    );
  },
);

test(`the same ${DATAGRAMS} messages over UDP arrive as ${DATAGRAMS} datagrams of exactly the sizes sent`, () => {
  assert.deepEqual(seen.boundaries.datagrams, datagramSizes(DATAGRAMS));
});

test(
  'the lesson alone (copied into an empty folder, run by node): UDP delivers one datagram per send, ' +
    'TCP connects first and delivers the same bytes as one stream, in reads of its own',
  async () => {
    const sizes = datagramSizes(DATAGRAMS);
    const total = sizes.reduce((sum, size) => sum + size, 0);
    for (const runner of ['node'] as const) {
      const run = await runLessonAlone('11-tcp-vs-udp', runner, { DATAGRAMS: String(DATAGRAMS) });
      assert.equal(run.code, 0, `${runner}: ${run.stderr}`);
      const lines = run.stdout.trimEnd().split('\n');
      for (const line of lines) assert.match(line, ROLE_LINE, `${runner}: a line without its speaker`);
      const [listening, udpSent, udpIn, connected, tcpSent, tcpIn, closed] = lines;
      const [, tcpPort, udpPort] =
        /^server: TCP listens on 127\.0\.0\.1:(\d+), UDP is bound to 127\.0\.0\.1:(\d+)$/.exec(listening) ?? [];
      assert.ok(tcpPort && udpPort, `${runner}: ${listening}`);
      assert.equal(udpSent, `udp: ${DATAGRAMS} sends of ${sizes.join(', ')} bytes`, runner);
      assert.equal(udpIn, `server: ${DATAGRAMS} datagrams of ${sizes.join(', ')} bytes`, runner);
      const [, from] = /^tcp: connected from port (\d+) after the handshake$/.exec(connected) ?? [];
      assert.ok(from && from !== tcpPort, `${runner}: the client has a port of its own: ${connected}`);
      assert.equal(tcpSent, `tcp: ${DATAGRAMS} writes of ${sizes.join(', ')} bytes`, runner);
      const [, pieces] = /^server: \d+ reads of ([\d, ]*) bytes, one stream$/.exec(tcpIn) ?? [];
      assert.ok(pieces !== undefined, `${runner}: ${tcpIn}`);
      const reads = pieces === '' ? [] : pieces.split(', ').map(Number);
      assert.equal(
        reads.reduce((sum, size) => sum + size, 0),
        total,
        `${runner}: every byte, no more: ${tcpIn}`,
      );
      assert.ok(
        reads.every((size) => size > 0),
        `${runner}: no empty read while the stream is open: ${tcpIn}`,
      );
      assert.equal(closed, 'server: closed; TCP ended with a FIN each way, UDP with no packet at all', runner);
      assert.equal(lines.length, 7, `${runner}: seven lines, no more`);
    }
  },
);

/**
 * True when the overhead was counted from a capture; otherwise a skip (a failure under REQUIRE_TOOLS=1) saying why not.
 */
async function capturedOrSkip(t: TestContext): Promise<boolean> {
  if (!(await toolOrSkip(t, 'tcpdump'))) return false;
  return workedOrSkip(t, seen.overhead.source === 'capture' ? undefined : seen.overhead.reason);
}

test('tcpdump: one UDP exchange is 2 packets with 8-byte headers; the TCP one adds a handshake, ACKs and a teardown', {
  skip: linuxOnly,
}, async (t) => {
  if (!(await capturedOrSkip(t))) return;
  const { udp, tcp } = seen.overhead;
  assert.deepEqual(udp.packets, ['request', 'reply']);
  assert.deepEqual(udp.transportHeaderSizes, [8]);
  assert.equal(udp.payloadBytes, tcp.payloadBytes, 'the same payload both ways');
  assert.deepEqual(tcp.packets.slice(0, 3), ['SYN', 'SYN-ACK', 'ACK'], 'the three-way handshake comes first');
  assert.ok(
    tcp.packets.some((label) => label.startsWith('request')) && tcp.packets.some((label) => label.startsWith('reply')),
  );
  assert.equal(tcp.packets.filter((label) => label.includes('FIN')).length, 2, 'each side closes its direction');
  assert.ok(tcp.transportHeaderSizes[0] >= 20, 'a TCP header is at least 20 bytes');
  assert.ok(tcp.ipHeaderBytes + tcp.transportHeaderBytes > 4 * (udp.ipHeaderBytes + udp.transportHeaderBytes));
});

test("without permission to capture (a learner's own account), the overhead comes from the protocols, and the " +
  'output says why', {
  skip: linuxOnly || (process.geteuid?.() === 0 ? false : 'needs root, to take the uid of nobody for one call'),
}, async (t) => {
  if (!(await toolOrSkip(t, 'tcpdump'))) return;
  const servers = await startServers();
  t.after(() => servers.close());
  const overhead = await withEffectiveUid(NOBODY_UID, () => measureOverhead(servers));
  assert.equal(overhead.source, 'protocol');
  assert.match(overhead.reason ?? '', /^tcpdump may not capture here/);
  assert.deepEqual(overhead.udp.packets, ['request', 'reply']);
  assert.deepEqual(overhead.tcp.packets.slice(0, 3), ['SYN', 'SYN-ACK', 'ACK']);
});

test(`the speed table is complete: ${RUNS} runs of each measurement and their medians`, () => {
  const { speed } = seen;
  for (const entry of [speed.udp, speed.tcpKept, speed.tcpConnectEach, speed.bulkMBps]) {
    assert.equal(entry.runs.length, RUNS);
    assert.ok(entry.runs.every((value) => Number.isFinite(value) && value > 0));
    assert.ok(entry.median >= Math.min(...entry.runs) && entry.median <= Math.max(...entry.runs));
  }
});

test("the output matches the sample in NOTES.md (rendered from this file's run)", async (t) => {
  if (!atDefaults(KNOBS, KNOB_VALUES)) return t.skip('the sample shows the default knobs');
  if (!(await capturedOrSkip(t))) return; // the sample shows the captured overhead
  await assertSeenMatchesNotes('11-tcp-vs-udp', seen, [
    [/\b\d+ (bytes in the receiver's buffer|held by the sender's kernel|still in the sending process)/g, 'N $1'],
    [/arrived as \d+ reads of [\d, ]+ bytes/g, 'arrived as N reads of … bytes'],
    [
      /TCP: \d+ packets \([^)]*\); TCP headers of [\d or]+ bytes; header bytes \d+ \(IP \d+ \+ TCP \d+\)/g,
      'TCP: N packets (…); TCP headers of … bytes; header bytes N (IP N + TCP N)',
    ],
    [/ +[\d,]+ (round trips\/s|MB\/s)/g, ' N $1'],
    [/\b\d+\.\d(?=x|\b)/g, 'N.N'],
    // Which cost dominates is read from the numbers of that run, so the conclusion is masked too.
    [/^lesson: +so .*$/gm, 'lesson: so …'],
  ]);
});

test('the diagram in NOTES.md is the one this run draws (--mermaid), bare ACKs aside', async (t) => {
  if (!(await capturedOrSkip(t))) return; // the diagram shows the captured packets
  await assertMermaidMatchesNotes('11-tcp-vs-udp', mermaidOverhead(seen), [
    // A bare ACK goes alone or rides on the next segment, as timing has it (delayed ACK): so does their count.
    [/\n {4}[CS]->>[CS]: ACK \(IP 20 \+ TCP \d+\)(?=\n|$)/g, ''],
    [/TCP: \d+ packets/g, 'TCP: N packets'],
  ]);
});

test('--serve runs a UDP echo, a TCP echo and a TCP sink for real clients, and exits 0 on SIGTERM', async (t) => {
  const { server, found: ports } = await startServing(t, '11-tcp-vs-udp', (output) => {
    const listening = [...output.matchAll(/^listening on 127\.0\.0\.1:(\d+) \((udp echo|tcp echo|tcp sink)/gm)];
    return listening.length === 3
      ? Object.fromEntries(listening.map((match) => [match[2], Number(match[1])]))
      : undefined;
  });

  const udp = createSocket('udp4');
  t.after(() => udp.close());
  udp.send('ping', ports['udp echo'], '127.0.0.1');
  const [echoed] = (await onceWithin(udp, 'message', stretchedByLoad(2000), 'the UDP echo')) as [Buffer];
  assert.equal(echoed.toString(), 'ping');

  const tcp = createConnection({ host: '127.0.0.1', port: ports['tcp echo'] });
  t.after(() => tcp.destroy());
  tcp.setEncoding('utf8').write('pong');
  const [reply] = await onceWithin(tcp, 'data', stretchedByLoad(2000), 'the TCP echo');
  assert.equal(reply, 'pong');

  const sink = createConnection({ host: '127.0.0.1', port: ports['tcp sink'] });
  t.after(() => sink.destroy());
  sink.setEncoding('utf8').end('x'.repeat(1000));
  const [count] = await onceWithin(sink, 'data', 2000, "the sink's byte count");
  assert.equal(count, '1000\n');

  tcp.destroy();
  server.kill('SIGTERM');
  const [code] = await onceWithin(server, 'exit', stretchedByLoad(5000), 'the server to exit after SIGTERM');
  assert.equal(code, 0);
});

test('bad input is one error line and exit code 2', async () => {
  await assertRejects('11-tcp-vs-udp', ['--runs', '0'], /--runs must be between 1 and 101/);
  await assertRejects('11-tcp-vs-udp', ['--round-trips', 'fast'], /--round-trips must be a whole number/);
  await assertRejects('11-tcp-vs-udp', ['--port', '9'], /--(host|port) goes with --serve/);
  await assertRejects('11-tcp-vs-udp', ['--serve', '--port', '70000'], /--port must be between 0 and 65535/);
  await assertRejects('11-tcp-vs-udp', ['--rounds', '3'], /Unknown option '--rounds'/);
});

test('the questions of `npm run exercise -- 11` are answered by what this run measured', () => {
  const captured = seen.overhead.source === 'capture';
  const { 'tcp-packets': tcpPackets, ...answers } = measuredAnswers(EXERCISE, seen);
  assert.deepEqual(answers, { 'tcp-lost': 0, 'udp-packets': captured ? 2 : UNMEASURED });
  // SYN, SYN-ACK, ACK, the request, the reply and two FINs at least; ACKs may ride on data or go alone.
  if (captured) assert.ok(Number(tcpPackets) >= 7, `${tcpPackets} packets`);
  else assert.equal(tcpPackets, UNMEASURED);
});
