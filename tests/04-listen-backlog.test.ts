/**
 * Exercise: what listen(backlog) bounds. Knobs (predict, then run):
 *   BACKLOG  the listen() backlog (default 3). How many clients finish the handshake before the
 *            server's first accept(): BACKLOG, or one more? What does ss print as Send-Q?
 *   EXTRA    clients beyond the accept queue (default 2, at most BACKLOG + 1). Do they get
 *            ECONNREFUSED, or do they wait? For how long after their connect()?
 * Run: BACKLOG=5 EXTRA=3 npm run exercise -- 04
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { before, test } from 'node:test';
import {
  KNOBS,
  MAX_BACKLOG,
  observeListenBacklog,
  renderListenBacklog,
  ssListener,
  type BacklogObservations,
  EXERCISE,
  DEFAULT_BACKLOG,
  DEFAULT_EXTRA,
  mermaidBacklog,
} from '../scripts/lab/04-listen-backlog.ts';
import { nodeArgsFor } from '../scripts/lib/child.ts';
import { readSysctl } from '../scripts/lib/proc-net.ts';
import { fillAcceptQueue, startStalledListener } from '../scripts/lib/stalled-listener.ts';
import { findTool } from '../scripts/lib/tools.ts';
import { onceWithin, stretchedByLoad } from '../scripts/lib/wait.ts';
import { atDefaults, knobs, measuredAnswers, UNMEASURED } from './lib/knobs.ts';
import { storyOfLessonAlone } from './lib/lesson.ts';
import { runInOwnNamespace } from './lib/namespace.ts';
import { linuxOnly, toolOrSkip } from './lib/tools.ts';
import {
  assertMermaidMatchesNotes,
  assertRejects,
  assertSeenMatchesNotes,
  type Mask,
  observedClean,
  renderChanged,
} from './lib/transcript.ts';

const { BACKLOG, EXTRA } = knobs(KNOBS);
const QUEUE_CAPACITY = BACKLOG + 1;
/**
 * The client's first SYN retransmission comes 1 s after connect(). The second comes at 2 s where
 * tcp_syn_linear_timeouts > 0 (Linux 6.5 and later), at 3 s before: 2 s is the earlier of the two.
 */
const INITIAL_SYN_RTO_MS = 1000;
const SECOND_RETRANSMIT_MS = 2000;
/** net.js: `this._handle.listen(backlog || 511)`. */
const NODE_DEFAULT_BACKLOG = 511;

let seen: BacklogObservations | undefined;
let clients: BacklogObservations['clients'] = [];
let queued: typeof clients = [];
let waiting: typeof clients = [];
/**
 * A run whose look outlasted the first SYN retransmission (see heldFor below) shows the machine's
 * load, not the lesson: the waiting clients' SYNs meet the full queue twice. Such a run is made
 * again, at most this many runs in all, and each one set aside is reported.
 */
const MAX_RUNS = 3;
const setAside: string[] = [];
before(async () => {
  if (linuxOnly) return;
  for (let run = 1; ; run++) {
    seen = await observedClean(() => observeListenBacklog({ backlog: BACKLOG, extra: EXTRA }));
    if (seen.noAcceptForMs < INITIAL_SYN_RTO_MS * 0.9 || run === MAX_RUNS) break;
    setAside.push(`run ${run} set aside: ${heldFor()}`);
  }
  clients = seen.clients;
  queued = clients.slice(0, QUEUE_CAPACITY);
  waiting = clients.slice(QUEUE_CAPACITY);
});

test('the lesson alone (copied into an empty folder, run by node): BACKLOG + 1 clients connect at once, ' +
  'the others a SYN retransmission later, none refused, and accept() takes the queue in connect order', {
  skip: linuxOnly,
}, async () => {
  for (const runner of ['node'] as const) {
    const lines = await storyOfLessonAlone('04-listen-backlog', runner, {
      BACKLOG: String(BACKLOG),
      EXTRA: String(EXTRA),
    });
    assert.match(lines[0], new RegExp(`^server: listening on 127\\.0\\.0\\.1:\\d+ with backlog ${BACKLOG}$`));
    const connected = lines.flatMap((line) => {
      const match = /^client (\d+): connected from port (\d+) after (\d+) ms, (at once|its first SYN was dropped)/.exec(
        line,
      );
      return match
        ? [{ number: Number(match[1]), port: match[2], afterMs: Number(match[3]), atOnce: match[4] === 'at once' }]
        : [];
    });
    const byNumber = connected.toSorted((a, b) => a.number - b.number);
    assert.deepEqual(
      byNumber.map(({ number, atOnce }) => [number, atOnce]),
      Array.from({ length: QUEUE_CAPACITY + EXTRA }, (_, i) => [i + 1, i < QUEUE_CAPACITY]),
      `${runner}: clients 1 to BACKLOG + 1 connect at once, the others later`,
    );
    for (const { number, afterMs, atOnce } of connected)
      if (!atOnce)
        assert.ok(afterMs >= INITIAL_SYN_RTO_MS && afterMs < SECOND_RETRANSMIT_MS, `${runner}: client ${number}`);
    assert.equal(new Set(connected.map(({ port }) => port)).size, QUEUE_CAPACITY + EXTRA, `${runner}: ports`);
    const order = Array.from({ length: QUEUE_CAPACITY }, (_, i) => i + 1).join(', ');
    assert.ok(
      lines.some((line) => line.startsWith(`server: accept() took clients ${order}`)),
      `${runner}: the queue is accepted first, in connect order`,
    );
    assert.equal(lines.at(-1), `server: closed; none of the ${QUEUE_CAPACITY + EXTRA} clients was refused`);
  }
});

test(`exactly BACKLOG + 1 = ${QUEUE_CAPACITY} clients finish the handshake before anyone calls accept()`, {
  skip: linuxOnly,
}, () => {
  assert.equal(clients.length, QUEUE_CAPACITY + EXTRA);
  assert.deepEqual(
    clients.map((fate) => fate.connectedBeforeAccept),
    [...Array(QUEUE_CAPACITY).fill(true), ...Array(EXTRA).fill(false)],
    'the first BACKLOG + 1 connect() calls resolve, the others do not',
  );
});

test('both ends of each queued connection are ESTABLISHED in /proc/net/tcp, though accept() never ran', {
  skip: linuxOnly,
}, () => {
  for (const fate of queued)
    assert.deepEqual([fate.clientState, fate.serverEndState], ['ESTABLISHED', 'ESTABLISHED'], `client #${fate.number}`);
});

test(`the other ${EXTRA} clients stay in SYN_SENT with no server end, and none gets ECONNREFUSED`, {
  skip: linuxOnly,
}, () => {
  for (const fate of waiting)
    assert.deepEqual([fate.clientState, fate.serverEndState], ['SYN_SENT', null], `client #${fate.number}`);
  assert.deepEqual(clients.map((fate) => fate.errorCode).filter(Boolean), [], 'no client saw an error');
});

test("the listening row's rx_queue is the accept queue's length, BACKLOG + 1", { skip: linuxOnly }, () => {
  assert.equal(seen!.acceptQueueLength, QUEUE_CAPACITY);
});

test('TcpExt.ListenOverflows grows by at least one per dropped SYN (namespace-wide)', { skip: linuxOnly }, () => {
  assert.ok(seen!.listenOverflowsDelta >= EXTRA, `grew by ${seen!.listenOverflowsDelta}, expected at least ${EXTRA}`);
});

test('once the event loop turns, accept() takes the queue first, in connect order, then every waiting client', {
  skip: linuxOnly,
}, () => {
  assert.deepEqual(
    queued.map((fate) => fate.acceptedAs),
    queued.map((fate) => fate.number),
    'the accept queue is first in, first out',
  );
  assert.deepEqual(
    waiting.map((fate) => fate.acceptedAs > QUEUE_CAPACITY),
    waiting.map(() => true),
    'waiting clients come after the queue',
  );
});

/**
 * The lab holds the lesson's event loop while it reads the kernel's view (and runs ss). A hold
 * longer than the first SYN retransmission timeout lets the retransmitted SYNs find the queue
 * still full; only an overloaded machine makes it that long, and a failure then says so.
 */
const heldFor = () =>
  `the lab held the event loop ${Math.round(seen!.noAcceptForMs)} ms before the first accept() ` +
  `(a dropped SYN is retransmitted after ${INITIAL_SYN_RTO_MS} ms)`;

test('a waiting client gets in when its SYN is retransmitted, about 1 s after connect(), not sooner', {
  skip: linuxOnly || (EXTRA === 0 ? 'EXTRA=0: no client waits' : false),
}, (t) => {
  for (const reason of setAside) t.diagnostic(reason);
  for (const fate of waiting) {
    const after = fate.connectedAfterMs;
    assert.ok(
      after >= INITIAL_SYN_RTO_MS * 0.95 && after < SECOND_RETRANSMIT_MS,
      `client #${fate.number} connected after ${after} ms; ${heldFor()}`,
    );
  }
  // A queued client's 'connect' event waits for the lab's look; its row shows when the kernel was done.
  for (const fate of queued)
    assert.ok(
      fate.handshakeDoneWithinMs !== null && fate.handshakeDoneWithinMs < INITIAL_SYN_RTO_MS / 2,
      `queued client #${fate.number} connected at once: ESTABLISHED within ${fate.handshakeDoneWithinMs} ms`,
    );
});

test('ss agrees: Recv-Q is the queue, Send-Q is the backlog, and the listener counted every dropped SYN', {
  skip: linuxOnly,
}, async (t) => {
  if (!(await toolOrSkip(t, 'ss'))) return;
  // ss is an outside process reading sock_diag; the lab asked it before the lesson's first accept().
  assert.deepEqual(seen!.ss!.stalled, { recvQ: QUEUE_CAPACITY, sendQ: BACKLOG, drops: EXTRA }, heldFor());
  assert.equal(seen!.ss!.stalled.recvQ, seen!.acceptQueueLength, "ss's Recv-Q is /proc/net/tcp's rx_queue");
});

test('a backlog above net.core.somaxconn is capped to it, one below is kept, and Node turns 0 into its default 511', {
  skip: linuxOnly,
}, async (t) => {
  const ss = await toolOrSkip(t, 'ss');
  if (!ss) return;
  const somaxconn = Number(await readSysctl('net/core/somaxconn'));
  assert.deepEqual(seen!.ss!.cap, { asked: somaxconn + 1, sendQ: somaxconn });
  for (const [asked, kept] of [
    [somaxconn + 1000, somaxconn],
    [BACKLOG, BACKLOG],
    [0, NODE_DEFAULT_BACKLOG],
  ]) {
    const server = createServer().listen({ host: '127.0.0.1', port: 0, backlog: asked });
    t.after(() => server.close());
    await onceWithin(server, 'listening', stretchedByLoad(2000), 'the listener');
    assert.equal(
      (await ssListener(ss, (server.address() as AddressInfo).port)).sendQ,
      kept,
      `listen() with backlog ${asked}`,
    );
  }
});

test('close() takes a listener away at once: no TIME_WAIT, ss no longer shows it', { skip: linuxOnly }, async (t) => {
  const ss = await toolOrSkip(t, 'ss');
  if (!ss) return;
  const server = createServer().listen({ host: '127.0.0.1', port: 0, backlog: BACKLOG });
  t.after(() => server.listening && server.close());
  await onceWithin(server, 'listening', stretchedByLoad(2000), 'the listener');
  const { port } = server.address() as AddressInfo;
  assert.equal((await ssListener(ss, port)).sendQ, BACKLOG, 'ss shows it while it listens');
  await new Promise((resolve) => server.close(resolve));
  await assert.rejects(ssListener(ss, port), new RegExp(`ss shows no listener on port ${port}`));
});

test('listen() on an address this machine does not have fails at once with EADDRNOTAVAIL', {
  skip: linuxOnly,
}, async (t) => {
  if ((await readSysctl('net/ipv4/ip_nonlocal_bind')) !== '0')
    return t.skip('net.ipv4.ip_nonlocal_bind lets any address be bound here');
  // 192.0.2.1 is TEST-NET-1 (RFC 5737): never a local address, and binding to it sends nothing.
  await assert.rejects(
    startStalledListener({ backlog: BACKLOG, host: '192.0.2.1' }),
    /cannot listen on 192\.0\.2\.1: EADDRNOTAVAIL/,
  );
});

test('filling a queue where nothing listens stops at the first client, refused (ECONNREFUSED), not timed out', {
  skip: linuxOnly,
}, async () => {
  // Port 0: no socket can listen there, so the kernel answers the first SYN with RST.
  await assert.rejects(fillAcceptQueue({ host: '127.0.0.1', port: 0, backlog: BACKLOG }), { code: 'ECONNREFUSED' });
});

/** The demo's observations with `change` applied, rendered as text. */
const renderedWith = (change: (copy: BacklogObservations) => void) => renderChanged(seen!, renderListenBacklog, change);

test('the timeline reports what was seen, not what was expected: no ss, an accept out of order, a client error', {
  skip: linuxOnly,
}, () => {
  const withoutSs = renderedWith((copy) => {
    copy.ss = null;
  });
  assert.match(withoutSs, /ss: not installed/);
  assert.match(withoutSs, /somaxconn cap is visible only through ss \(sock_diag\); skipped/);
  assert.doesNotMatch(withoutSs, /Recv-Q/, 'no queue figures without ss');

  const queueOrder = queued.map((fate) => `#${fate.number}`);
  assert.ok(renderedWith(() => {}).includes(`accept() took ${queueOrder.join(', ')} first, in connect order\n`));
  const swapped = renderedWith((copy) => {
    [copy.clients[0].acceptedAs, copy.clients[1].acceptedAs] = [copy.clients[1].acceptedAs, copy.clients[0].acceptedAs];
  });
  const [first, second, ...rest] = queueOrder;
  assert.ok(
    swapped.includes(`accept() took ${[second, first, ...rest].join(', ')} first\n`),
    'no "in connect order" when it was not',
  );

  const withError = renderedWith((copy) => {
    copy.clients.at(-1)!.errorCode = 'ECONNRESET';
  });
  assert.match(withError, /accepted all \d+ clients; 1 saw an error/);
});

/**
 * Other traffic may add to the namespace-wide counter; somaxconn is this machine's setting (4096 since Linux 5.4, 128
 * before).
 */
const MACHINE_MASKS: Mask[] = [
  [/ListenOverflows \+\d+/g, 'ListenOverflows +N'],
  [
    /backlog \d+ > somaxconn \d+: ss shows Send-Q \d+/g,
    'backlog SOMAXCONN+1 > somaxconn SOMAXCONN: ss shows Send-Q SOMAXCONN',
  ],
  [/somaxconn \d+,/g, 'somaxconn SOMAXCONN,'],
];

test("the output matches the sample in NOTES.md (rendered from this file's run)", { skip: linuxOnly }, (t) => {
  if (!atDefaults(KNOBS, { BACKLOG, EXTRA })) return t.skip('the sample shows the default knobs');
  return assertSeenMatchesNotes('04-listen-backlog', seen, MACHINE_MASKS);
});

test('a negative backlog is one error line and exit code 2', () =>
  assertRejects('04-listen-backlog', ['--backlog=-1'], new RegExp(`--backlog must be between 1 and ${MAX_BACKLOG}`)));
test('more extra clients than the queue holds is refused', () =>
  assertRejects('04-listen-backlog', ['--backlog', '2', '--extra', '4'], /--extra must be at most backlog \+ 1 = 3/));
test('a backlog that is not a number is refused', () =>
  assertRejects('04-listen-backlog', ['--backlog', 'many'], /whole number/));
test('an unknown flag is one error line and exit code 2', () =>
  assertRejects('04-listen-backlog', ['--clients', '3'], /Unknown option '--clients'/));

test('the questions of `npm run exercise -- 04` are answered by what this run measured', {
  skip: linuxOnly,
}, async () => {
  const ss = await findTool('ss');
  assert.deepEqual(measuredAnswers(EXERCISE, seen), {
    'connected-before-accept': QUEUE_CAPACITY,
    'send-q': ss ? BACKLOG : UNMEASURED,
    'beyond-the-queue': EXTRA > 0 ? 'waits' : UNMEASURED,
    // The first SYN retransmission comes 1 s after connect().
    'waited-seconds': EXTRA > 0 ? INITIAL_SYN_RTO_MS / 1000 : UNMEASURED,
  });
});

test("tcp_max_syn_backlog does not bound the accept queue: at 2, a backlog of 8 still queues 9 (Node's docs name it)", {
  skip: linuxOnly,
}, async (t) => {
  // The lesson as a program, which inside the project runs its lab.
  const script = ['scripts/04-listen-backlog.ts', '--backlog', '8', '--extra', '0', '--json'];
  const run = await runInOwnNamespace(t, 'echo 2 > /proc/sys/net/ipv4/tcp_max_syn_backlog', [
    process.execPath,
    ...nodeArgsFor(script[0], script.slice(1)),
  ]);
  if (!run) return;
  assert.equal(run.code, 0, run.stderr);
  const inNamespace = JSON.parse(run.stdout) as BacklogObservations;
  assert.equal(inNamespace.clients.filter((fate) => fate.connectedBeforeAccept).length, 9);
  assert.equal(inNamespace.acceptQueueLength, 9);
});

test('the diagram in NOTES.md is the one this run draws (--mermaid)', { skip: linuxOnly }, (t) => {
  if (!atDefaults(KNOBS, { BACKLOG, EXTRA }))
    return t.skip(`the diagram shows BACKLOG=${DEFAULT_BACKLOG} EXTRA=${DEFAULT_EXTRA}`);
  return assertMermaidMatchesNotes('04-listen-backlog', mermaidBacklog(seen!), MACHINE_MASKS);
});
