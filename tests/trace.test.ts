/**
 * `npm run trace`: the system calls a script really makes, read from strace. Skipped where strace
 * is missing or may not trace (a failure under REQUIRE_TOOLS=1).
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { AcceptObservations } from '../scripts/lab/03-accept.ts';
import { UsageError } from '../scripts/lib/cli.ts';
import {
  renderTrace,
  trace,
  type TracedStep,
  traceScript,
  TraceUnavailable,
  type TraceResult,
} from '../scripts/lib/trace.ts';
import { linuxOnly, toolOrSkip, workedOrSkip } from './lib/tools.ts';
import { runScript } from './lib/transcript.ts';

/** How many clients the trace of 12 connects. */
const TRACED_CLIENTS = 20;
/** The backlog the trace of 04 asks for: not Node's default (511), so the trace must show the one asked. */
const TRACED_BACKLOG = 3;

/** The three traces the tests read, made side by side once. */
const traces = linuxOnly
  ? undefined
  : Promise.allSettled([
      traceScript('03', ['--clients', '2', '--json']),
      traceScript('10', ['--flood', '200']),
      traceScript('12', ['--clients', String(TRACED_CLIENTS)]),
      traceScript('04', ['--backlog', String(TRACED_BACKLOG)]),
      traceScript('05'),
    ]);

async function traced(t: TestContext, index: number): Promise<TraceResult | undefined> {
  if (!(await toolOrSkip(t, 'strace'))) return undefined;
  const outcome = (await traces!)[index];
  if (outcome.status === 'rejected' && outcome.reason instanceof TraceUnavailable) {
    workedOrSkip(t, outcome.reason.message);
    return undefined;
  }
  if (outcome.status === 'rejected') throw outcome.reason;
  assert.equal(outcome.value.code, 0, `${outcome.value.script} exited with ${outcome.value.code} under strace`);
  return outcome.value;
}

const on = (steps: readonly TracedStep[], fd: number) => steps.filter((step) => step.fd === fd);
const indexOf = (steps: readonly TracedStep[], call: string, fd: number) =>
  steps.findIndex((step) => step.call === call && step.fd === fd);

test('03 under strace: the server socket → bind → listen → accept4, and each client socket → connect', {
  skip: linuxOnly,
}, async (t) => {
  const result = await traced(t, 0);
  if (!result) return;
  const server = result.processes.find(({ steps }) => steps.some((step) => step.call === 'listen'));
  assert.ok(server, 'a thread called listen()');
  const listener = server.steps.find((step) => step.call === 'listen')!.fd!;
  const order = ['socket', 'bind', 'listen', 'accept4'].map((call) => indexOf(server.steps, call, listener));
  assert.ok(
    order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1])),
    `the listener's calls: ${order}`,
  );
  assert.equal(
    on(server.steps, listener).filter((step) => step.call === 'accept4' && Number(step.result) >= 0).length,
    2,
  );
  assert.equal(
    on(server.steps, listener).filter((step) => step.call === 'read').length,
    0,
    'no read() on the listener',
  );
  const reported = JSON.parse(result.stdout) as AcceptObservations;
  assert.equal(listener, reported.listener.fd, 'the listener is the descriptor 03 reported');
  assert.match(
    server.steps[indexOf(server.steps, 'bind', listener)].text,
    /sin_port=htons\(0\)/,
    'bind() asks for port 0',
  );
  assert.deepEqual(
    on(server.steps, listener)
      .filter((step) => step.call === 'accept4')
      .map((step) => Number(step.result)),
    reported.clients.map((client) => client.accepted.fd),
    'each accept4() returned the descriptor 03 reported for that client',
  );
  const clients = server.steps.filter((step) => step.call === 'connect').map((step) => step.fd!);
  assert.equal(clients.length, 2);
  for (const fd of clients) assert.ok(indexOf(server.steps, 'socket', fd) < indexOf(server.steps, 'connect', fd));
});

test('10 under strace: UDP sockets are bound and then sendmsg/recvmsg, never listen or accept', {
  skip: linuxOnly,
}, async (t) => {
  const result = await traced(t, 1);
  if (!result) return;
  const udp = result.processes.flatMap(({ steps }) =>
    steps
      .filter((step) => step.call === 'socket' && step.step.includes('a new UDP socket'))
      .map((step) => ({ steps, fd: step.fd! })),
  );
  assert.ok(udp.length >= 2, 'a sender and a receiver');
  let datagrams = 0;
  for (const { steps, fd } of udp) {
    const calls = on(steps, fd).map((step) => step.call);
    assert.ok(!calls.includes('listen') && !calls.some((call) => call.startsWith('accept')), `fd ${fd}: ${calls}`);
    datagrams += calls.filter((call) => /^(send|recv)m?msg$/.test(call)).length;
  }
  assert.ok(
    udp.some(({ steps, fd }) => indexOf(steps, 'bind', fd) > indexOf(steps, 'socket', fd)),
    'a UDP socket is bound after socket()',
  );
  assert.ok(datagrams > 0, 'datagrams went through sendmsg/recvmsg');
});

test('12 under strace: the server waits in epoll between accepts: one accept4() per wake-up', {
  skip: linuxOnly,
}, async (t) => {
  const result = await traced(t, 2);
  if (!result) return;
  const server = result.processes.find(({ steps }) => steps.some((step) => step.call === 'listen'))!;
  // The many-clients listener, from its listen() to its close(): the slow reader's listeners come later and may
  // be given the same number.
  const listened = server.steps.findIndex((step) => step.call === 'listen');
  const listener = server.steps[listened].fd!;
  const closed = server.steps.findIndex((step, at) => at > listened && step.call === 'close' && step.fd === listener);
  const accepts = server.steps
    .map((step, at) => ({ step, at }))
    .filter(({ step, at }) => at > listened && at < closed && step.call === 'accept4' && step.fd === listener)
    .filter(({ step }) => Number(step.result) >= 0)
    .map(({ at }) => at);
  assert.equal(accepts.length, TRACED_CLIENTS, 'one accept4() per client');
  for (let i = 1; i < accepts.length; i++) {
    const between = server.steps.slice(accepts[i - 1] + 1, accepts[i]);
    assert.ok(
      between.some((step) => step.call.startsWith('epoll_')),
      `no epoll wait between accept ${i} and ${i + 1}`,
    );
  }
});

test('04 under strace: listen() shows the backlog asked for, the listener is named by the port the kernel gave ' +
  "it, and every client's connect() comes after listen()", { skip: linuxOnly }, async (t) => {
  const result = await traced(t, 3);
  if (!result) return;
  const [script] = result.processes;
  assert.match(script.command, /^node scripts\/04-listen-backlog\.ts --backlog 3$/);
  const listen = script.steps.find((step) => step.call === 'listen')!;
  assert.match(listen.step, new RegExp(`^listen\\(\\), backlog ${TRACED_BACKLOG}:`));
  const port = /^listener 127\.0\.0\.1:(\d+)$/.exec(listen.role ?? '')?.[1];
  assert.ok(port && port !== '0', `the listener's role names its port: ${listen.role}`);
  const connects = script.steps.filter((step) => step.call === 'connect');
  assert.ok(connects.length > TRACED_BACKLOG, 'more clients than the backlog');
  for (const step of connects) assert.ok(step.time > listen.time, 'each connect() came after listen()');
  assert.ok(connects.every((step) => step.role === `client of 127.0.0.1:${port}`));
  assert.doesNotMatch(renderTrace(result), /^\s*fd \d+ [^:]+: (client )?\d\. /m, 'no step is numbered');
});

test('05 under strace: a block per process, named by its command and by the process that started it, in the ' +
  'order the processes began', { skip: linuxOnly }, async (t) => {
  const result = await traced(t, 4);
  if (!result) return;
  const firstSocketAt = (process: (typeof result.processes)[number]) =>
    process.steps.find((step) => step.fd !== undefined)!.time;
  const starts = result.processes.map(firstSocketAt);
  assert.deepEqual(
    starts,
    starts.toSorted((a, b) => a - b),
    'blocks in the order of their first socket call',
  );
  const script = result.processes.find((process) => process.command.startsWith('node scripts/05-connect.ts'));
  const listener = result.processes.find((process) =>
    /^node scripts\/children\/stalled-listener\.ts /.test(process.command),
  );
  assert.ok(script && listener, `the script and its stalled listener: ${result.processes.map((p) => p.command)}`);
  assert.equal(listener.parent, script.pid, 'the listener was started by the script');
  const text = renderTrace(result);
  const heading = `^process ${listener.pid}, node scripts/children/stalled-listener\\.ts .*`;
  assert.match(text, new RegExp(`${heading}\\(started by process ${script.pid}\\):$`, 'm'));
  assert.doesNotMatch(text, /^thread /m);
});

test('without strace, the trace says so in one line and exits 1', async () => {
  const run = await runScript('scripts/lib/trace.ts', ['03'], { env: { PATH: '/nonexistent' } });
  assert.equal(run.code, 1);
  assert.equal(run.stdout, 'trace: strace is not installed here (Debian: apt-get install strace)\n');
});

test('bad input to the trace is one error line and exit code 2', async () => {
  // One as a learner's command (the exit code and the one line); the rest in this process, the same code path.
  const run = await runScript('scripts/lib/trace.ts', ['99']);
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^error: [^\n]+\n$/);
  for (const args of [[], ['three'], ['03', '--limit', '0']])
    await assert.rejects(trace(args), (error: Error) => error instanceof UsageError, args.join(' '));
});
