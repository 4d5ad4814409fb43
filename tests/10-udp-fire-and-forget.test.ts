/**
 * Exercise: UDP, fire and forget. Knobs:
 *   DATAGRAMS  datagrams in the back-to-back burst, an empty one first (default 5)
 *   FLOOD      datagrams sent while the receiver cannot read (default 2000)
 *   PAYLOAD    bytes in each flood datagram (default 200)
 *   RCVBUF     the flooded receiver's SO_RCVBUF request in bytes (default 4096)
 * Predict, then run (FLOOD=50 RCVBUF=65536 npm run exercise -- 10):
 *   - How many messages does the receiver get for DATAGRAMS sends, and of which sizes?
 *   - How big a buffer does the kernel grant for RCVBUF? How many flood datagrams can it hold at most?
 *   - Where does every datagram that did not arrive show up?
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { release } from 'node:os';
import { before, test } from 'node:test';
import {
  EXERCISE,
  KNOBS,
  cli,
  mermaidUdp,
  observeUdp,
  type UdpObservations,
} from '../scripts/lab/10-udp-fire-and-forget.ts';
import { boundSocket, closeSocket, datagramSizes, sendDatagram } from '../scripts/lib/udp.ts';
import { runScript as runCommandLine } from '../scripts/lib/cli.ts';
import { readSysctl } from '../scripts/lib/proc-net.ts';
import { nodeArgsFor } from '../scripts/lib/child.ts';
import { onceWithin, stretchedByLoad, within } from '../scripts/lib/wait.ts';
import { atDefaults, knobs, measuredAnswers } from './lib/knobs.ts';
import { ROLE_LINE, runLessonAlone } from './lib/lesson.ts';
import { runInOwnNamespace } from './lib/namespace.ts';
import { linuxOnly } from './lib/tools.ts';
import { startServing } from './lib/serve.ts';
import { assertMermaidMatchesNotes, assertRejects, assertSeenMatchesNotes, observedClean } from './lib/transcript.ts';

const { DATAGRAMS, FLOOD, PAYLOAD, RCVBUF } = knobs(KNOBS);

let seen: UdpObservations | undefined;
before(async () => {
  if (!linuxOnly)
    seen = await observedClean(() =>
      observeUdp({ datagrams: DATAGRAMS, flood: FLOOD, payload: PAYLOAD, rcvbuf: RCVBUF }),
    );
});

/**
 * IP's total-length field is 16 bits; IPv4 counts its own 20-byte header in it, IPv6 does not. UDP's header is 8 bytes.
 */
const UDP_HEADER = 8;
const IPV4_HEADER = 20;
const expectedLargest = { udp4: 0xffff - IPV4_HEADER - UDP_HEADER, udp6: 0xffff - UDP_HEADER };

test('the lesson alone (copied into an empty folder, run by node): the burst arrives as sent, the ' +
  'flooded receiver reads at most what its buffer holds, and sends to nobody fail only for the connected socket', {
  skip: linuxOnly,
}, async () => {
  const granted = 2 * Math.min(RCVBUF, Number(await readSysctl('net/core/rmem_max')));
  const sizes = datagramSizes(DATAGRAMS).join(', ');
  const env = { DATAGRAMS: String(DATAGRAMS), FLOOD: String(FLOOD), PAYLOAD: String(PAYLOAD), RCVBUF: String(RCVBUF) };
  for (const runner of ['node'] as const) {
    const run = await runLessonAlone('10-udp-fire-and-forget', runner, env);
    assert.equal(run.code, 0, `${runner}: ${run.stderr}`);
    const lines = run.stdout.trimEnd().split('\n');
    for (const line of lines) assert.match(line, ROLE_LINE, `${runner}: a line without its speaker`);
    const [sent, received, limit, buffer, flood, read, connected, nobody] = lines;
    assert.equal(sent, `sender: ${DATAGRAMS} sends of ${sizes} bytes`, runner);
    assert.equal(received, `receiver: ${DATAGRAMS} messages of ${sizes} bytes`, runner);
    const largest = expectedLargest.udp4;
    assert.equal(limit, `sender: ${largest} bytes arrived as ${largest}; ${largest + 1} bytes: EMSGSIZE`, runner);
    const [, got] = /^receiver: asked for \d+ bytes of buffer, got (\d+)$/.exec(buffer) ?? [];
    // Below a floor of a few KiB the kernel raises the request instead (SOCK_MIN_RCVBUF).
    if (RCVBUF >= 4096) assert.equal(Number(got), granted, `${runner}: ${buffer}`);
    assert.equal(flood, `sender: ${FLOOD} sends of ${PAYLOAD} bytes, 0 failed`, runner);
    const [, readCount] = /^receiver: read (\d+) of (\d+); the rest are lost$/.exec(read) ?? [];
    assert.ok(Number(readCount) >= 1, `${runner}: the first datagram always fits: ${read}`);
    assert.ok(Number(readCount) <= Math.floor(Number(got) / PAYLOAD) + 1, `${runner}: at most its buffer: ${read}`);
    assert.equal(connected, 'connected: sent "hello?", then ECONNREFUSED from recvmsg()', runner);
    assert.match(nobody, /^sender: 4 sends to port \d+: ok, ok, ok, ok$/, runner);
    assert.equal(lines.length, 8, `${runner}: eight lines, no more`);
  }
});

test(`${DATAGRAMS} sends arrive as ${DATAGRAMS} messages of exactly the sizes sent, the empty one too`, {
  skip: linuxOnly,
}, () => {
  const sizes = datagramSizes(DATAGRAMS);
  assert.equal(sizes[0], 0, 'the burst starts with an empty datagram');
  assert.deepEqual(seen!.boundaries.sent, sizes);
  assert.deepEqual(seen!.boundaries.received, sizes, 'no two datagrams merged, none split');
});

test(
  `one datagram of ${expectedLargest.udp4 + 1} bytes fails at once with the kernel's EMSGSIZE from the send, ` +
    'not with a timeout',
  async (t) => {
    const [receiver, sender] = await Promise.all([boundSocket('udp4', '127.0.0.1'), boundSocket('udp4', '127.0.0.1')]);
    t.after(() => Promise.all([receiver, sender].map(closeSocket)));
    const tooBig = Buffer.alloc(expectedLargest.udp4 + 1);
    const sent = sendDatagram(sender, tooBig, receiver.address().port, '127.0.0.1');
    assert.equal(await within(sent, stretchedByLoad(2000), 'the send callback'), 'EMSGSIZE');
  },
);

for (const type of ['udp4', 'udp6'] as const) {
  test(`${type}: ${expectedLargest[type]} bytes of payload are accepted and arrive whole; one byte more is EMSGSIZE`, {
    skip: linuxOnly,
  }, (t) => {
    const limit = seen!.limits.find((entry) => entry.type === type)!;
    if ('missing' in limit) return t.skip(`no ${type} loopback address on this machine`);
    assert.equal(limit.largest, expectedLargest[type]);
    assert.equal(limit.largestArrivedAs, expectedLargest[type]);
    assert.equal(limit.oneMoreError, 'EMSGSIZE');
  });
}

test('an unconnected socket sends to a port nobody holds and never hears an error', { skip: linuxOnly }, () => {
  const { unconnected } = seen!.nobody;
  assert.deepEqual(unconnected.sendErrors, [], 'every send callback reported success');
  assert.deepEqual(unconnected.errorEvents, [], "no 'error' event, even after the ICMP replies had come back");
});

test('a connected UDP socket to the same port hears ECONNREFUSED afterwards, not from the send itself', {
  skip: linuxOnly,
}, () => {
  const { connected } = seen!.nobody;
  assert.equal(connected.sendError, null, 'the send only hands the datagram to the kernel');
  assert.equal(connected.laterError.code, 'ECONNREFUSED');
  assert.equal(
    connected.laterError.syscall,
    'recvmsg',
    'it comes with the next receive, from the ICMP port-unreachable',
  );
});

test('UDP connect() only records the peer: /proc/net/udp shows CLOSE unconnected, ESTABLISHED connected', {
  skip: linuxOnly,
}, () => {
  assert.equal(seen!.nobody.unconnected.state, 'CLOSE');
  assert.equal(seen!.nobody.connected.state, 'ESTABLISHED');
});

test('the kernel counted every datagram to nobody and answered each with ICMP port unreachable', {
  skip: linuxOnly,
}, () => {
  const { unconnected, counters } = seen!.nobody;
  const toNobody = unconnected.sends + 1; // plus the connected socket's one
  // Namespace-wide counters: other traffic can only add to them.
  assert.ok(counters.noPorts >= toNobody, `Udp NoPorts +${counters.noPorts}, expected at least ${toNobody}`);
  assert.ok(
    counters.icmpUnreachables >= toNobody,
    `Icmp OutDestUnreachs +${counters.icmpUnreachables}, expected at least ${toNobody}`,
  );
});

test(`flood of ${FLOOD}: sent = received + dropped, every loss in the receiver's own drop counter`, {
  skip: linuxOnly,
}, () => {
  const flood = seen!.flood;
  assert.equal(flood.sent, FLOOD);
  assert.equal(flood.received + flood.dropped, FLOOD, `received ${flood.received} + dropped ${flood.dropped}`);
  assert.ok(flood.rcvbufErrors >= flood.dropped, 'the namespace-wide Udp RcvbufErrors rose at least as much');
});

test(`the kernel doubles the SO_RCVBUF request of ${RCVBUF}, capped by net.core.rmem_max`, {
  skip: linuxOnly,
}, async (t) => {
  const granted = 2 * Math.min(RCVBUF, Number(await readSysctl('net/core/rmem_max')));
  // Below a floor of a few KiB the kernel raises the request instead (SOCK_MIN_RCVBUF).
  if (RCVBUF < 4096) return t.skip('a request this small is raised to the kernel minimum');
  assert.equal(seen!.flood.rcvbuf, granted);
});

test('measured: a full receive queue takes a datagram only if it fits (Linux 6.18), so it never exceeds the buffer', {
  skip: linuxOnly,
}, (t) => {
  const { flood } = seen!;
  // The reading was complete: every datagram was either queued then or already dropped.
  assert.equal(
    flood.frozenQueue.drops + flood.received,
    flood.sent,
    'the reading taken before the receiver could read saw every datagram',
  );
  const [major, minor] = release().split('.').map(Number);
  if (major < 6 || (major === 6 && minor < 18))
    return t.skip(`Linux ${release()}: before 6.18 the queue may overshoot the buffer by one datagram`);
  if (flood.received > 1) assert.ok(flood.frozenQueue.bytes <= flood.rcvbuf, `${flood.frozenQueue.bytes} bytes queued`);
  t.diagnostic(
    `${flood.received} datagrams queued in ${flood.frozenQueue.bytes} bytes of a ${flood.rcvbuf}-byte buffer`,
  );
});

test('a receiver that cannot read holds at most its buffer: received <= rcvbuf / payload + 1, the rest is dropped', {
  skip: linuxOnly,
}, () => {
  const flood = seen!.flood;
  // Each datagram is charged more than its payload (its skb), and the kernel admits one beyond a full buffer.
  const roomFor = Math.floor(flood.rcvbuf / PAYLOAD) + 1;
  assert.ok(flood.received >= 1, 'the first datagram always fits');
  assert.ok(flood.received <= roomFor, `received ${flood.received}, room for at most ${roomFor}`);
  if (FLOOD > roomFor) assert.ok(flood.dropped >= FLOOD - roomFor, 'what did not fit was dropped, not delayed');
});

/** What the flood loses and what else the namespace counted vary from run to run. */
const RUN_MASKS = [
  [/\b(received|dropped|drops) \d+/g, '$1 N'],
  [/\b(NoPorts|OutDestUnreachs) \+\d+/g, '$1 +N'],
  // What a datagram is charged depends on the kernel.
  [/\b\d+ bytes queued/g, 'N bytes queued'],
] as const;

test("the output matches the sample in NOTES.md (rendered from this file's run)", { skip: linuxOnly }, (t) => {
  if (!atDefaults(KNOBS, { DATAGRAMS, FLOOD, PAYLOAD, RCVBUF })) return t.skip('the sample shows the default knobs');
  return assertSeenMatchesNotes('10-udp-fire-and-forget', seen, RUN_MASKS);
});

test('with IPv6 switched off, as in many containers, the udp6 probe is skipped in one line and every other ' +
  'experiment still runs', {
  skip: linuxOnly,
}, async (t) => {
  // IPv6 off before lo comes up: lo gets 127.0.0.1 but no ::1.
  const script = ['scripts/10-udp-fire-and-forget.ts', '--datagrams', '2', '--flood', '10'];
  const run = await runInOwnNamespace(t, 'echo 1 > /proc/sys/net/ipv6/conf/lo/disable_ipv6', [
    process.execPath,
    ...nodeArgsFor(script[0], script.slice(1)),
  ]);
  if (!run) return;
  assert.equal(run.code, 0, `stderr: ${run.stderr}`);
  assert.match(run.stdout, /^sender: +udp6: no loopback address for this family here; skipped$/m);
  assert.match(
    run.stdout,
    new RegExp(`^sender: +udp4 to 127\\.0\\.0\\.1: ${expectedLargest.udp4} bytes accepted`, 'm'),
  );
  assert.match(run.stdout, /^receiver: +2 messages of 0, /m);
  assert.match(run.stdout, /then ECONNREFUSED from recvmsg\(\)$/m);
  assert.match(run.stdout, /^udp: +sent 10 = received \d+ \+ dropped \d+; unexplained: 0$/m);
});

test(
  'a UDP port another socket holds cannot be bound again: ' + '--serve on it fails with EADDRINUSE and exit 1',
  async (t) => {
    const holder = await boundSocket('udp4', '127.0.0.1');
    t.after(() => holder.close());
    const { port } = holder.address();
    let stdout = '';
    let stderr = '';
    const output = { stdout: (text: string) => (stdout += text), stderr: (text: string) => (stderr += text) };
    const code = await within(
      runCommandLine(cli, ['--serve', '--port', String(port)], output),
      5000,
      '--serve on a held port to fail',
    );
    assert.equal(code, 1, 'a port in use is not bad input: exit 1, not 2');
    assert.equal(stderr, `error: bind EADDRINUSE 127.0.0.1:${port}\n`);
    assert.equal(stdout, '', 'no "listening on" line');
  },
);

test('--serve echoes a real datagram back to its sender, says so in one line, and exits 0 on SIGTERM', async (t) => {
  const { server, found: port } = await startServing(t, '10-udp-fire-and-forget', (output) => {
    const match = /^listening on 127\.0\.0\.1:(\d+); try: nc -u 127\.0\.0\.1 \1$/m.exec(output);
    return match ? Number(match[1]) : undefined;
  });
  let output = '';
  const datagramLine = new Promise<RegExpExecArray>((resolve) =>
    server.stdout!.on('data', (chunk: string) => {
      output += chunk;
      const line = /^server: a datagram of 4 bytes from 127\.0\.0\.1:(\d+), echoed back$/m.exec(output);
      if (line) resolve(line);
    }),
  );

  const client = createSocket('udp4');
  t.after(() => client.close());
  client.send('ping', port, '127.0.0.1');
  const [echoed] = (await onceWithin(client, 'message', stretchedByLoad(2000), 'the echo')) as [Buffer];
  assert.equal(echoed.toString(), 'ping');
  const [, from] = await within(datagramLine, stretchedByLoad(2000), 'the line for the datagram');
  assert.equal(Number(from), client.address().port);

  server.kill('SIGTERM');
  const [code] = await onceWithin(server, 'exit', stretchedByLoad(5000), 'the server to exit after SIGTERM');
  assert.equal(code, 0);
});

test('bad input is one error line and exit code 2', async () => {
  await assertRejects('10-udp-fire-and-forget', ['--payload', '3'], /--payload must be between 4 and 65507/);
  await assertRejects('10-udp-fire-and-forget', ['--flood', 'lots'], /--flood must be a whole number/);
  await assertRejects('10-udp-fire-and-forget', ['--port', '9'], /--(host|port) goes with --serve/);
  await assertRejects('10-udp-fire-and-forget', ['--serve', '--port', '65536'], /--port must be between 0 and 65535/);
  await assertRejects(
    '10-udp-fire-and-forget',
    ['--flood', '100000', '--payload', '65507'],
    /--flood times --payload must stay under 512 MiB/,
  );
  await assertRejects('10-udp-fire-and-forget', ['--datagram', '3'], /Unknown option '--datagram'/);
});

test('the questions of `npm run exercise -- 10` are answered by what this run measured', { skip: linuxOnly }, () => {
  const { rcvbuf, ...answers } = measuredAnswers(EXERCISE, seen);
  assert.deepEqual(answers, {
    messages: DATAGRAMS,
    'largest-udp4': 65_535 - 20 - UDP_HEADER,
    'nobody-there': 'nothing',
  });
  assert.equal(rcvbuf, seen!.flood.rcvbuf, "the buffer size is the one the receiver's getRecvBufferSize() reported");
});

test('the diagram in NOTES.md is the one this run draws (--mermaid)', { skip: linuxOnly }, (t) => {
  if (!atDefaults(KNOBS, { FLOOD, PAYLOAD, RCVBUF })) return t.skip('the diagram shows the default knobs');
  return assertMermaidMatchesNotes('10-udp-fire-and-forget', mermaidUdp(seen!), [
    ...RUN_MASKS,
    // What a datagram is charged depends on the kernel, and so does how many fit.
    [/\d+ bytes of a \d+-byte buffer/g, 'N bytes of a N-byte buffer'],
  ]);
});
