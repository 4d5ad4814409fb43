/**
 * Exercise: connect() from the client's side. Knobs (predict, then run):
 *   ROUNDS=3                request/response round trips on one connection. Does the client's
 *                           port change between rounds? Does the server accept more than once?
 *   CONNECT_TIMEOUT_MS=300  the client's own connect timer against an unanswered SYN. With 1500
 *                           the kernel retransmits the SYN once (at 1 s) before the timer fires:
 *                           does the outcome change? Is the answer ever ECONNREFUSED?
 * Run: npm run exercise -- 05    or    CONNECT_TIMEOUT_MS=1500 npm run exercise -- 05
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { before, test } from 'node:test';
import {
  KNOBS,
  connectBoundFirst,
  MIN_CONNECT_TIMEOUT_MS,
  observeConnect,
  renderConnect,
  synGiveUpSeconds,
  type ConnectObservations,
  EXERCISE,
  mermaidConnect,
} from '../scripts/lab/05-connect.ts';
import { nodeArgsFor } from '../scripts/lib/child.ts';
import { readSysctl, sysctlNumber } from '../scripts/lib/proc-net.ts';
import { onceWithin, stretchedByLoad } from '../scripts/lib/wait.ts';
import { atDefaults, knobs, measuredAnswers } from './lib/knobs.ts';
import { storyOfLessonAlone } from './lib/lesson.ts';
import { ssSocket } from './lib/ss.ts';
import { assertMermaidMatchesNotes, assertRejects, assertSeenMatchesNotes, renderChanged } from './lib/transcript.ts';
import { ranOrSkip, startInOwnNamespace } from './lib/namespace.ts';
import { linuxOnly, toolOrSkip } from './lib/tools.ts';

const { ROUNDS, CONNECT_TIMEOUT_MS } = knobs(KNOBS);

/** Two namespaces of their own, side by side: one SYN retry, with and without a linear wait first. */
const settings = [
  { retries: 1, linear: 0 },
  { retries: 1, linear: 1 },
  // Here the two limits differ: the count allows five retransmissions, the time limit (3 s) ends it at the second.
  { retries: 1, linear: 4 },
];
let synGiveUps: ReturnType<typeof startInOwnNamespace>[] = [];

/** How far libuv's cached loop clock may trail performance.now() when the connect timer is set. */
const LOOP_CLOCK_LAG_MS = 5;

/** What `ss -tno` says about the waiting client, read while it sits in SYN_SENT. */
let synSentInfo: string | undefined;
let seen: ConnectObservations;
before(async () => {
  // The namespaces wait out kernel timers for seconds: they start first and overlap the rest.
  if (!linuxOnly)
    synGiveUps = settings.map(({ retries, linear }) =>
      startInOwnNamespace(
        `echo ${retries} > /proc/sys/net/ipv4/tcp_syn_retries && ` +
          `echo ${linear} > /proc/sys/net/ipv4/tcp_syn_linear_timeouts`,
        [process.execPath, ...nodeArgsFor('tests/probes/05-syn-give-up.ts')],
      ),
    );
  // Not observedClean: the namespaces above start their processes while this demo runs.
  seen = await observeConnect({
    rounds: ROUNDS,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    whileSynSent: async (clientPort) => {
      synSentInfo = await ssSocket('-tnoH', 'syn-sent', clientPort);
    },
  });
});

test(
  'the lesson alone (copied into an empty folder, run by node): one client port for every round, ' +
    'each reply answering its request, and ECONNREFUSED at once where nothing listens',
  async () => {
    for (const runner of ['node'] as const) {
      const lines = await storyOfLessonAlone('05-connect', runner, { ROUNDS: String(ROUNDS) });
      const [, serverPort] = /^server: listening on 127\.0\.0\.1:(\d+)$/.exec(lines[0]) ?? [];
      assert.ok(serverPort, `${runner}: the first line names the listener: ${lines[0]}`);
      const [, clientPort] = /^client: connected from 127\.0\.0\.1:(\d+), never bound$/.exec(lines[1]) ?? [];
      assert.ok(clientPort && clientPort !== serverPort, `${runner}: the client's own port: ${lines[1]}`);
      const exchanged = lines.slice(2, 2 + 2 * ROUNDS);
      for (let round = 1; round <= ROUNDS; round++)
        assert.deepEqual(
          [exchanged[2 * round - 2], exchanged[2 * round - 1].replace(/ \d+ µs later$/, '')],
          [
            `server: read "ping ${round}" from port ${clientPort}, write "pong ${round}"`,
            `client: wrote "ping ${round}", read "pong ${round}"`,
          ],
          `${runner}: round ${round} on the one connection`,
        );
      const refused = /^client: connect\(\) to 127\.0\.0\.1:0 failed with (\w+) after ([\d.]+) ms$/.exec(
        lines[2 + 2 * ROUNDS],
      );
      assert.equal(refused?.[1], 'ECONNREFUSED', `${runner}: ${lines[2 + 2 * ROUNDS]}`);
      assert.ok(Number(refused[2]) < CONNECT_TIMEOUT_MS, `${runner}: refused after ${refused[2]} ms`);
      assert.deepEqual(lines.slice(3 + 2 * ROUNDS, 4 + 2 * ROUNDS), ['server: closed']);
      assert.match(
        lines.at(-1)!,
        /are in the lab: npx tsx scripts\/05-connect\.ts$/,
        `${runner}: says what is left out`,
      );
    }
  },
);

test('connect() without bind() gets a source port from ip_local_port_range', { skip: linuxOnly }, () => {
  const [low, high] = seen.ephemeralRange!;
  const { port } = seen.ephemeral.local;
  assert.ok(port >= low && port <= high, `port ${port} is outside ${low}-${high}`);
  assert.equal(
    seen.ephemeral.local.address,
    '127.0.0.1',
    'the kernel picked the source address too: the one on the route to 127.0.0.1',
  );
});

test('a socket bound first connects from exactly the address and port it was bound to, even outside the ' +
  'ephemeral range', {
  skip: linuxOnly,
}, () => {
  assert.deepEqual(seen.boundFirst.local, seen.boundFirst.requested);
  assert.equal(seen.boundFirst.inRange, false);
});

test(`${ROUNDS} request/response round trips travel on one connection, each reply answering its request`, () => {
  assert.equal(seen.rounds.length, ROUNDS);
  seen.rounds.forEach((round, i) => {
    assert.equal(round.sent, `ping ${i + 1}`);
    assert.equal(round.serverRead, round.sent, 'the server read exactly the line the client wrote');
    assert.equal(round.reply, `pong ${i + 1}`);
    assert.equal(
      round.clientPort,
      seen.ephemeral.local.port,
      'the server saw the same client port every round: one connection',
    );
  });
});

test(
  'with nothing listening (port 0), connect() fails with ECONNREFUSED at once, ' + 'well before the connect timer',
  () => {
    assert.equal(seen.refused.code, 'ECONNREFUSED');
    assert.ok(seen.refused.afterMs < CONNECT_TIMEOUT_MS, `refused after ${seen.refused.afterMs} ms`);
  },
);

test('the refusal is the kernel answering the SYN with RST (Tcp.OutRsts rises)', { skip: linuxOnly }, () => {
  // A namespace-wide counter: other traffic may add to it, never take away.
  assert.ok(seen.refused.outRstsDelta! >= 1, `Tcp.OutRsts rose by ${seen.refused.outRstsDelta}`);
});

test('connect() completes without the server calling accept(): backlog + 1 clients connect to a stopped server', {
  skip: linuxOnly,
}, () => {
  const { listener } = seen.unanswered!;
  assert.equal(listener.queued, listener.backlog + 1, "each got 'connect' while the server's process was stopped");
});

test('a SYN to a full accept queue is dropped: the client waits in SYN_SENT with no error, no refusal', {
  skip: linuxOnly,
}, () => {
  const unanswered = seen.unanswered!;
  assert.equal(unanswered.stateWhileWaiting, 'SYN_SENT');
  assert.deepEqual(unanswered.eventsBeforeTimer, [], 'neither connect nor error came before our timer');
  assert.ok(unanswered.listenOverflowsDelta >= 1, `TcpExt.ListenOverflows rose by ${unanswered.listenOverflowsDelta}`);
});

test(`only the connect timer ends the wait, after CONNECT_TIMEOUT_MS (${CONNECT_TIMEOUT_MS} ms), and destroy() ` +
  `removes the SYN_SENT socket`, {
  skip: linuxOnly,
}, () => {
  const unanswered = seen.unanswered!;
  // A timer counts from libuv's loop clock, which is read once per loop turn, so it can start a
  // few milliseconds before the script's performance.now(): the timer never fires early by its own clock.
  assert.ok(
    unanswered.timerFiredAfterMs >= CONNECT_TIMEOUT_MS - LOOP_CLOCK_LAG_MS,
    `fired after ${unanswered.timerFiredAfterMs} ms`,
  );
  assert.ok(unanswered.rowGoneAfterDestroy);
});

test("while the client waits, the kernel's SYN retransmission timer is running (ss -tno)", {
  skip: linuxOnly,
}, async (t) => {
  if (!(await toolOrSkip(t, 'ss'))) return;
  // ss prints the timer as timer:(on,<time left>,<retransmissions so far>); "on" is the retransmission timer.
  // With nothing left (due, not yet run: ss was late on a busy machine) the time is empty, as
  // print_ms_timer() in iproute2's misc/ss.c prints 0 ms.
  const timer = /timer:\(on,(?:([\d.]+)(ms|sec|min))?,(\d+)\)/.exec(synSentInfo ?? '');
  assert.ok(timer, `no retransmission timer in ss -tno for the SYN_SENT client:\n${synSentInfo}`);
  const unit = { ms: 1, sec: 1000, min: 60_000 }[(timer[2] ?? 'ms') as 'ms' | 'sec' | 'min'];
  const leftMs = Number(timer[1] ?? 0) * unit;
  if (timer[1] === undefined) t.diagnostic(`ss printed no time left (the timer was due): ${synSentInfo}`);
  assert.ok(leftMs <= 1000, `${leftMs} ms left; the first SYN retransmission comes at most 1 s after the SYN`);
});

test(
  'bind() before connect() to a port a listener holds fails with EADDRINUSE: the bound-first client moves ' +
    'one port down',
  async (t) => {
    const server = createServer().listen({ host: '127.0.0.1', port: 0 });
    t.after(() => server.close());
    await onceWithin(server, 'listening', stretchedByLoad(2000), 'the server to listen');
    const { port } = server.address() as AddressInfo;
    // Ask for "a port below `port + 1`": the first try is the listener's own port, which bind() refuses.
    const { socket, requested } = await connectBoundFirst(port, port + 1);
    t.after(() => socket.destroy());
    assert.ok(requested.port < port, `connected from ${requested.port}, expected a port below the listener's ${port}`);
    assert.deepEqual({ address: socket.localAddress, port: socket.localPort }, requested);
  },
);

test('only a taken port makes it try another: a refusal (ECONNREFUSED) is reported at once', {
  skip: linuxOnly,
}, async () => {
  const [low] = (await readSysctl('net/ipv4/ip_local_port_range')).split(/\s+/).map(Number);
  await assert.rejects(connectBoundFirst(0, low), { code: 'ECONNREFUSED' });
});

test('a tunable this kernel lacks reads as the default the kernel used before it existed', {
  skip: linuxOnly,
}, async () => {
  assert.equal(
    await sysctlNumber('net/ipv4/tcp_syn_retries', -1),
    Number(await readSysctl('net/ipv4/tcp_syn_retries')),
    'a tunable that exists is read',
  );
  assert.equal(await sysctlNumber('net/ipv4/tcp_no_such_tunable', 0), 0, 'one that does not exist gives the fallback');
});

/** The demo's observations with `change` applied, rendered as text. */
const renderedWith = (change: (copy: ConnectObservations) => void) => renderChanged(seen, renderConnect, change);

test(
  'the timeline reports what was seen: the steps skipped off Linux, an event before the timer, a counter ' +
    'that did not rise, a row left behind',
  () => {
    const offLinux = renderedWith((copy) => {
      copy.ephemeralRange = null;
      copy.ephemeral.inRange = null;
      copy.boundFirst.inRange = null;
      copy.unanswered = null;
    });
    assert.match(offLinux, /ip_local_port_range is a Linux view; skipped here/);
    assert.match(offLinux, /the unanswered-SYN step reads \/proc, which is Linux only; skipped here/);
    assert.doesNotMatch(offLinux, /ephemeral range|SYN_SENT/);

    if (seen.unanswered === null) return; // off Linux the demo had no such step to alter
    const oddities = renderedWith((copy) =>
      Object.assign(copy.unanswered!, {
        eventsBeforeTimer: ['error', 'close'],
        listenOverflowsDelta: 0,
        rowGoneAfterDestroy: false,
      }),
    );
    assert.match(oddities, /TcpExt\.ListenOverflows did not rise/);
    assert.match(oddities, /with only error, close before it/);
    assert.match(oddities, /the SYN_SENT row is STILL THERE/);
  },
);

test("the kernel's own limit: how long SYN retries take, the count or the time limit, whichever comes first", () => {
  assert.equal(synGiveUpSeconds(6, 0), 127, 'tcp(7): the default 6 retries take about 127 s');
  assert.equal(synGiveUpSeconds(6, 4), 131, 'Linux 6.5+: waits of 1,1,1,1,1 s, then 2,4,...,64 s');
  assert.equal(synGiveUpSeconds(1, 0), 1 + 2, 'one retry: wait 1 s, retransmit, wait 2 s, ETIMEDOUT');
  assert.equal(synGiveUpSeconds(8, 0), 127 + 120 + 120, 'waits stop doubling at the maximum RTO, 120 s');
  assert.equal(synGiveUpSeconds(1, 4), 3, 'time limit first: 1 + 2 s');
  assert.equal(synGiveUpSeconds(2, 4), 7, 'time limit first: 1 + 2 + 4 s');
  assert.equal(synGiveUpSeconds(1, 1), 4, 'count first: waits of 1, 1, 2 s');
});

test('measured: the kernel gives up on an unanswered SYN when the model says, by its count or its time', {
  skip: linuxOnly,
}, async (t) => {
  const runs = await Promise.all(synGiveUps);
  for (const [i, finished] of runs.entries()) {
    const run = ranOrSkip(t, finished);
    if (!run) return;
    assert.equal(run.code, 0, run.stderr);
    const { code, afterMs } = JSON.parse(run.stdout) as { code: string; afterMs: number };
    const { retries, linear } = settings[i];
    const modelMs = synGiveUpSeconds(retries, linear) * 1000;
    assert.equal(code, 'ETIMEDOUT', `retries ${retries}, linear ${linear}`);
    // Timers fire on time or a little late, never early; a busy machine may add some.
    assert.ok(afterMs >= modelMs - 50 && afterMs < modelMs + 1000, `${afterMs} ms against ${modelMs} ms`);
    t.diagnostic(
      `tcp_syn_retries ${retries}, tcp_syn_linear_timeouts ${linear}: ETIMEDOUT after ` +
        `${Math.round(afterMs)} ms (model ${modelMs} ms)`,
    );
  }
});

test("the output matches the sample in NOTES.md (rendered from this file's run)", (t) => {
  if (!atDefaults(KNOBS, { ROUNDS, CONNECT_TIMEOUT_MS })) return t.skip('the sample shows the default knobs');
  // The sysctl values belong to the machine; the give-up time that follows from them is masked as a duration.
  return assertSeenMatchesNotes('05-connect', seen, [[/(tcp_syn_retries|tcp_syn_linear_timeouts) = \d+/g, '$1 = N']]);
});

test('--rounds 0 is refused with one error line and exit code 2', () =>
  assertRejects('05-connect', ['--rounds', '0'], /--rounds must be between 1/));

test('a connect timeout below the minimum is refused', () =>
  assertRejects(
    '05-connect',
    ['--connect-timeout-ms', String(MIN_CONNECT_TIMEOUT_MS - 1)],
    /--connect-timeout-ms must be between/,
  ));

test('an unknown flag is one error line and exit code 2', () =>
  assertRejects('05-connect', ['--timeout', '3'], /Unknown option '--timeout'/));

test('the questions of `npm run exercise -- 05` are answered by what this run measured', { skip: linuxOnly }, () => {
  assert.deepEqual(measuredAnswers(EXERCISE, seen), {
    'ports-per-connection': 1,
    'nobody-listens': 'ECONNREFUSED',
    'state-while-waiting': 'SYN_SENT',
    'events-before-timer': 0,
  });
});

test('the diagram in NOTES.md is the one this run draws (--mermaid)', { skip: linuxOnly }, (t) => {
  if (!atDefaults(KNOBS, { ROUNDS, CONNECT_TIMEOUT_MS })) return t.skip('the diagram shows the default knobs');
  return assertMermaidMatchesNotes('05-connect', mermaidConnect(seen), [[/after \d+\.\d ms/g, 'after N ms']]);
});
