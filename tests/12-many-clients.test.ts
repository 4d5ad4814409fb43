/**
 * Exercise: one process, one thread, many sockets. Knobs:
 *   CLIENTS  concurrent connections (default 1000; 10000 works on a 2-core machine)
 *   BYTES    each client's message (default 256)
 * Predict, then run (CLIENTS=10000 npm run exercise -- 12):
 *   - How many epoll instances watch the server's sockets? How many socket descriptors does it hold?
 *   - What does a client see when the server's descriptor table is full?
 */
import assert from 'node:assert/strict';
import { readFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import {
  BACKPRESSURE_BYTES,
  DEFAULT_BYTES,
  DEFAULT_CLIENTS,
  EXERCISE,
  KNOBS,
  LIMITED_TO,
  type ManyClientsObservations,
  MAX_BYTES,
  MAX_CLIENTS,
  MIN_BYTES,
  mermaidManyClients,
  dial,
  echoAgain,
  observeAll,
  observeDescriptorLimit,
  renderManyClients,
} from '../scripts/lab/12-many-clients.ts';
import { READ_SIZE_BYTES } from '../scripts/lib/libuv.ts';
import { renderTimeline } from '../scripts/lib/cli.ts';
import { CHAIN_CHECK_MS } from '../scripts/lib/serve-lifetime.ts';
import { readSysctl } from '../scripts/lib/proc-net.ts';
import { straceOptions } from '../scripts/lib/trace.ts';
import { onceWithin, stretchedByLoad, within } from '../scripts/lib/wait.ts';
import { atDefaults, knobs, measuredAnswers } from './lib/knobs.ts';
import { ROLE_LINE, runLessonAlone } from './lib/lesson.ts';
import { startServing } from './lib/serve.ts';
import { linuxOnly, toolOrSkip } from './lib/tools.ts';
import {
  assertMermaidMatchesNotes,
  assertRejects,
  assertRenderingMatchesNotes,
  observedClean,
  runInProcess,
} from './lib/transcript.ts';

const { CLIENTS, BYTES } = knobs(KNOBS);
let seen: ManyClientsObservations;
before(async () => {
  seen = await observedClean(() => observeAll(CLIENTS, BYTES));
});
const sampleSettings = atDefaults(KNOBS, { CLIENTS, BYTES });

test(
  `the lesson alone (copied into an empty folder, run by node): its clients' process, another one, has ` +
    `all ${CLIENTS} connections open at once, and each hears its ${BYTES} bytes back`,
  async () => {
    for (const runner of ['node'] as const) {
      const run = await runLessonAlone('12-many-clients', runner, { CLIENTS: String(CLIENTS), BYTES: String(BYTES) });
      assert.equal(run.code, 0, `${runner}: ${run.stderr}`);
      const lines = run.stdout.trimEnd().split('\n');
      for (const line of lines) assert.match(line, ROLE_LINE, `${runner}: a line without its speaker`);
      const [, server] =
        /^server: pid (\d+) on 127\.0\.0\.1:\d+; its JavaScript runs on one thread$/.exec(lines[0]) ?? [];
      const [, clients] = /^clients: pid (\d+): (\d+) of (\d+) heard their (\d+) bytes back$/.exec(lines[1]) ?? [];
      assert.ok(server && clients, `${runner}: the first lines name both processes: ${lines.slice(0, 2)}`);
      assert.notEqual(clients, server, `${runner}: the clients run in a process of their own`);
      assert.deepEqual(
        lines.slice(1),
        [
          `clients: pid ${clients}: ${CLIENTS} of ${CLIENTS} heard their ${BYTES} bytes back`,
          `server: ${CLIENTS} connections open at once, one thread serving them all`,
          "server: closed; every connection and the clients' process are gone",
        ],
        runner,
      );
    }
  },
);

test(`all ${CLIENTS} clients, connected at once from another process, hear their ${BYTES} bytes back exactly`, () => {
  assert.notEqual(seen.clientsPid, seen.pid, 'the clients run in a process of their own');
  assert.deepEqual({ exact: seen.echoed.exact, of: seen.echoed.of }, { exact: CLIENTS, of: CLIENTS });
  assert.equal(seen.held.connections, CLIENTS, 'every connection was open at the same time');
});

test('one epoll instance watches the listener and every accepted socket; no other loop watches any', {
  skip: linuxOnly,
}, () => {
  assert.ok(seen.held.epoll, 'an eventpoll descriptor in /proc/self/fd');
  assert.equal(seen.held.epoll.ours, CLIENTS + 1);
  assert.ok(seen.held.otherEpolls.every((ours) => ours === 0));
});

test(`the server holds ${CLIENTS} + 1 TCP socket descriptors, and its limit has room for them`, {
  skip: linuxOnly,
}, () => {
  assert.equal(seen.held.sockets, CLIENTS + 1);
  assert.ok(seen.held.open < seen.held.limit);
  assert.equal(seen.threads.mainName.endsWith('MainThread'), true, `the main thread is ${seen.threads.mainName}`);
});

test("a slow reader: the echo that waits for 'drain' holds little; the one that ignores write() = false holds " +
  'nearly everything, and both return every byte', {
  skip: linuxOnly,
}, async () => {
  const { careful, careless } = seen.slowReader;
  for (const run of [careful, careless]) {
    assert.equal(run.receivedBytes, BACKPRESSURE_BYTES);
    assert.ok(run.sameBytes);
  }
  assert.ok(careful.pauses >= 1, 'the careful echo paused its reading');
  // The careful echo writes a chunk only while less than a highWaterMark waits, and a chunk is one read of libuv's
  // (at most 64 KiB). The careless one: the kernels took little of the echo (here 4.1 MiB of it in every run: the
  // server's send buffer at its maximum, and the small receive buffer of a client that does not read), so half of
  // the rest is a generous low bound.
  assert.ok(
    careful.peakQueued <= careful.highWaterMark + READ_SIZE_BYTES,
    `the careful echo held ${careful.peakQueued} bytes (highWaterMark ${careful.highWaterMark})`,
  );
  // The largest send buffer TCP grows to: the third field of net.ipv4.tcp_wmem.
  const sendBuffer = Number((await readSysctl('net/ipv4/tcp_wmem')).split(/\s+/)[2]);
  assert.ok(
    BACKPRESSURE_BYTES > 2 * sendBuffer,
    `${BACKPRESSURE_BYTES} bytes cannot outgrow a ${sendBuffer} send buffer`,
  );
  assert.ok(
    careless.peakQueued >= (BACKPRESSURE_BYTES - sendBuffer) / 2,
    `the careless echo held ${careless.peakQueued} bytes of ${BACKPRESSURE_BYTES}`,
  );
  assert.equal(careless.pauses, 0);
});

test('at its descriptor limit the server sheds new clients (libuv accepts and closes them with its spare ' +
  'descriptor), keeps serving the ones it holds, and serves again once descriptors are free', {
  skip: linuxOnly,
}, async (t) => {
  if (!(await toolOrSkip(t, 'prlimit'))) return;
  const limited = seen.descriptorLimit!;
  assert.equal(limited.limit, LIMITED_TO);
  assert.equal(limited.atLimit.open, LIMITED_TO, 'every number below the limit is in use');
  assert.equal(limited.spareAtStart?.target, '/dev/null', 'libuv opens its spare on /dev/null');
  assert.ok(
    limited.beyond.every((fate) => fate !== 'echoed'),
    `the clients beyond: ${limited.beyond}`,
  );
  assert.equal(limited.afterShedding.accepted, limited.atLimit.accepted, "no 'connection' for a shed client");
  assert.equal(limited.afterShedding.serverErrors, 0, "and no 'error' on the server");
  assert.equal(limited.afterShedding.spare?.target, '/', 'libuv reopens its spare on / after using it');
  assert.equal(limited.stillServed, limited.room, 'every held client is still echoed');
  assert.equal(limited.lateFate, 'echoed');
});

test('strace sees the shedding: accept4() fails with EMFILE, the spare is closed, the waiting connection accepted ' +
  'and closed, accept4() reaches EAGAIN, and the spare opened again', {
  skip: linuxOnly,
}, async (t) => {
  const strace = await toolOrSkip(t, 'strace');
  if (!strace || !(await toolOrSkip(t, 'prlimit'))) return;
  const folder = await mkdtemp(join(tmpdir(), 'emfile-trace-'));
  t.after(() => rm(folder, { recursive: true, force: true }));
  const traced = await observeDescriptorLimit(LIMITED_TO, [
    strace,
    ...straceOptions(folder, ['accept4', 'close', 'openat']),
  ]);
  assert.ok(traced);
  const traces = await Promise.all((await readdir(folder)).map((file) => readFile(join(folder, file), 'utf8')));
  const calls = traces.find((trace) => trace.includes('EMFILE'))?.split('\n') ?? [];
  const failed = calls.findIndex((call) => /^accept4\(\d+,.*= -1 EMFILE/.test(call));
  assert.ok(failed >= 0, 'an accept4() that failed with EMFILE');
  const spare = traced.spareAtStart!.fd;
  // After the EMFILE: the spare closed, then each waiting connection accepted on its number and closed (one, or more
  // if the next client came in the meantime), until accept4() finds the queue empty; then the spare again.
  const after = calls.slice(failed + 1);
  assert.match(after[0], new RegExp(`^close\\(${spare}\\)`), 'the spare closed');
  let at = 1;
  while (new RegExp(`^accept4\\(.*= ${spare}$`).test(after[at])) {
    assert.match(after[at + 1], new RegExp(`^close\\(${spare}\\)`), 'a waiting connection closed at once');
    at += 2;
  }
  assert.ok(at >= 3, 'at least one waiting connection was accepted on the spare number and closed');
  assert.match(after[at], /^accept4\(.*= -1 EAGAIN/, 'until the queue is empty');
  assert.match(after[at + 1], new RegExp(`^openat\\(AT_FDCWD, "/", .*= ${spare}$`), 'the spare again');
});

test('--serve under a lowered limit says when it is out of descriptors, sheds, and says when one is free again', {
  skip: linuxOnly,
}, async (t) => {
  const prlimit = await toolOrSkip(t, 'prlimit');
  if (!prlimit) return;
  let output = '';
  let said: (() => void) | undefined;
  const { server, found: port } = await startServing(
    t,
    '12-many-clients',
    (stdout) => {
      output = stdout;
      said?.();
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(stdout);
      return match ? Number(match[1]) : undefined;
    },
    [prlimit, `--nofile=${LIMITED_TO}:${LIMITED_TO}`, '--'],
  );
  const outOfDescriptors = /descriptors open: the next accept4\(\) fails with EMFILE/;
  const saidFull = new Promise<void>((resolve) => {
    said = () => outOfDescriptors.test(output) && resolve();
    said();
  });
  const held: Socket[] = [];
  let beyondFate: string | undefined;
  // The server's line and the echoes come in on two descriptors, in no set order: the client after the one
  // that filled the table can be shed before that line has been read. It is the client beyond the limit if
  // the line then comes (and the table must be full for a descriptor to be "free again" below).
  while (!outOfDescriptors.test(output)) {
    const { socket, fate } = await dial(port, 'hello\n');
    t.after(() => socket.destroy());
    if (fate !== 'echoed') {
      beyondFate = fate;
      break;
    }
    held.push(socket);
    assert.ok(held.length <= LIMITED_TO, 'the message came before the limit was passed');
  }
  await within(saidFull, stretchedByLoad(5000), 'the server to say its table is full');
  if (beyondFate === undefined) {
    const { socket: beyond, fate } = await dial(port, 'hello\n');
    beyond.destroy();
    beyondFate = fate;
  }
  assert.notEqual(beyondFate, 'echoed', 'the client beyond the limit is shed');
  // The table stays full across several of the server's checks on the command that started it. Each
  // check opens /proc/PID/stat, which fails with EMFILE now: that must not pass for the command's exit.
  await setTimeout(3 * CHAIN_CHECK_MS);
  const stillServed = await Promise.all(held.map((socket, i) => echoAgain(socket, `again ${i + 1}\n`)));
  assert.equal(
    stillServed.filter(Boolean).length,
    held.length,
    'with its table full for a while, it serves all it holds',
  );
  const freeAgain = new Promise<void>((resolve) => {
    said = () => /a descriptor is free again/.test(output) && resolve();
    said();
  });
  held[0].destroy();
  await within(freeAgain, stretchedByLoad(5000), 'the server to say a descriptor is free');
  const { socket: late, fate: lateFate } = await dial(port, 'hello\n');
  late.destroy();
  assert.equal(lateFate, 'echoed', 'a descriptor is free: served again');

  const exited = onceWithin(server, 'exit', stretchedByLoad(5000), 'the server to exit after SIGTERM');
  server.kill('SIGTERM');
  const [code] = await exited;
  assert.equal(code, 0);
});

test('the output matches the sample in NOTES.md (rendered from this run)', (t) => {
  if (!sampleSettings) return t.skip(`the sample shows CLIENTS=${DEFAULT_CLIENTS} BYTES=${DEFAULT_BYTES}`);
  return assertRenderingMatchesNotes('12-many-clients', [], renderTimeline(renderManyClients(seen)), [
    [/\b\d[\d,]*(\.\d)? (MiB|KiB)\b/g, 'N $2'],
    [/\b\d+%/g, 'N%'],
    // Node 26 names its main thread node-MainThread, Node 24 MainThread (§3.2).
    [/\((?:node-)?MainThread\)/g, '(MAIN THREAD)'],
    [/\bone of its \d+ threads/g, 'one of its N threads'],
    [/\b\d+ (descriptors open at start|clients fill its table)/g, 'N $1'],
    [/and \d+ of Node's own/g, "and N of Node's own"],
    [/in [\d,]+ open descriptors/g, 'in N open descriptors'],
    [/Node's \d+ other epoll/g, "Node's N other epoll"],
    [/paused \d+ time/g, 'paused N time'],
    [/room for [\d,]+ more/g, 'room for N more'],
    [/is [\d,]+: room/g, 'is N: room'],
    [/watches [\d,]+ descriptors/g, 'watches N descriptors'],
    [/the [\d,]+ clients it holds/g, 'the N clients it holds'],
    [/(closed unanswered|reset)/g, 'shed'],
  ]);
});

test('the diagram in NOTES.md is the one this run draws (--mermaid)', (t) => {
  if (!sampleSettings) return t.skip(`the diagram shows CLIENTS=${DEFAULT_CLIENTS}`);
  return assertMermaidMatchesNotes('12-many-clients', mermaidManyClients(seen), [
    [/\b\d+%/g, 'N%'],
    [/main thread (?:node-)?MainThread/g, 'main thread MAIN THREAD'],
    [/: [\d,]+ descriptors watched/g, ': N descriptors watched'],
  ]);
});

test('bad input is one error line and exit code 2', async () => {
  await Promise.all([
    assertRejects('12-many-clients', ['--clients', '0'], new RegExp(`--clients must be between 1 and ${MAX_CLIENTS}`)),
    assertRejects(
      '12-many-clients',
      ['--bytes', '8'],
      new RegExp(`--bytes must be between ${MIN_BYTES} and ${MAX_BYTES}`),
    ),
    assertRejects('12-many-clients', ['--port', '8080'], /--(host|port) goes with --serve/),
  ]);
});

test('--help explains the flags and exits 0', async () => {
  const run = await runInProcess('12-many-clients', ['--help']);
  assert.equal(run.code, 0);
  assert.match(run.stdout, /--clients N/);
});

test('the questions of `npm run exercise -- 12` are answered by what this run measured', { skip: linuxOnly }, () => {
  assert.deepEqual(measuredAnswers(EXERCISE, seen), {
    'epoll-instances': 1,
    'socket-descriptors': CLIENTS + 1,
    'shed-client': seen.descriptorLimit ? 'shed' : 'not measured',
  });
});
