/**
 * Exercise: accept fan-out across processes. Knobs:
 *   WORKERS      processes serving the port (default 3)
 *   CONNECTIONS  connections per way, one after another (default 30)
 * Predict, then run (WORKERS=4 CONNECTIONS=40 npm run exercise -- 13):
 *   - How many LISTEN rows for each way, and how many PIDs behind each?
 *   - How evenly does each way spread the connections?
 */
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { before, test } from 'node:test';
import {
  EXERCISE,
  type FanOutObservations,
  KNOBS,
  MAX_WORKERS,
  MODES,
  mermaidFanOut,
  observeFanOut,
  renderFanOut,
} from '../scripts/lab/13-fan-out-processes.ts';
import { renderTimeline } from '../scripts/lib/cli.ts';
import { isRunning } from '../scripts/lib/proc-stat.ts';
import { onceWithin, stretchedByLoad } from '../scripts/lib/wait.ts';
import { atDefaults, knobs, measuredAnswers } from './lib/knobs.ts';
import { ROLE_LINE, runLessonAlone } from './lib/lesson.ts';
import { startServing } from './lib/serve.ts';
import { linuxOnly } from './lib/tools.ts';
import {
  assertMermaidMatchesNotes,
  assertRejects,
  assertRenderingMatchesNotes,
  observedClean,
  runInProcess,
} from './lib/transcript.ts';

const { WORKERS, CONNECTIONS } = knobs(KNOBS);
let seen: FanOutObservations;
before(async () => {
  seen = await observedClean(() => observeFanOut(WORKERS, CONNECTIONS));
});
const sampleSettings = atDefaults(KNOBS, { WORKERS, CONNECTIONS });
const way = (mode: (typeof MODES)[number]) => seen.ways.find((entry) => entry.mode === mode)!;
const sorted = (pids: readonly number[]) => [...pids].sort((a, b) => a - b);

test(
  `the lesson alone (copied into an empty folder, run by node): ${WORKERS} workers listen on one port ` +
    `with SO_REUSEPORT, and each of the ${CONNECTIONS} connections is answered by one of them`,
  async () => {
    for (const runner of ['node'] as const) {
      const run = await runLessonAlone('13-fan-out-processes', runner, {
        WORKERS: String(WORKERS),
        CONNECTIONS: String(CONNECTIONS),
      });
      assert.equal(run.code, 0, `${runner}: ${run.stderr}`);
      const lines = run.stdout.trimEnd().split('\n');
      for (const line of lines) assert.match(line, ROLE_LINE, `${runner}: a line without its speaker`);
      assert.match(lines[0], new RegExp(`^server: ${WORKERS} workers listen on 127\\.0\\.0\\.1:\\d+, SO_REUSEPORT$`));
      const [, answers] = new RegExp(`^client: ${CONNECTIONS} connections; answered by (.+)$`).exec(lines[1]) ?? [];
      assert.ok(answers, `${runner}: the second line counts the answers: ${lines[1]}`);
      const counts = answers.split(', ').map((entry) => /^pid \d+ (\d+)$/.exec(entry));
      assert.equal(counts.length, WORKERS, `${runner}: one count per worker, and no other PID answered: ${answers}`);
      assert.equal(
        counts.reduce((sum, match) => sum + Number(match?.[1]), 0),
        CONNECTIONS,
        `${runner}: every connection answered once`,
      );
      assert.deepEqual(lines.slice(2), [`server: all ${WORKERS} workers have exited`], runner);
    }
  },
);

for (const mode of MODES) {
  test(`${mode}: each of the ${CONNECTIONS} connections is answered once, by one of the ${WORKERS} workers`, () => {
    const { perWorker, strangers, workers } = way(mode);
    assert.equal(workers.length, WORKERS);
    assert.equal(strangers, 0, 'no reply named a PID that is not a worker');
    assert.equal(
      perWorker.reduce((sum, count) => sum + count, 0),
      CONNECTIONS,
    );
  });

  test(`${mode}: the PIDs in the replies are the workers that 08's lookup finds holding the port's connections`, {
    skip: linuxOnly,
  }, () => {
    const { perWorker, workers, kernel } = way(mode);
    const replied = workers.filter((_, i) => perWorker[i] > 0);
    assert.deepEqual(sorted(kernel.acceptedBy), sorted(replied));
  });
}

test('round-robin: the primary alone holds the one listening socket; it accepts and hands each connection on', {
  skip: linuxOnly,
}, () => {
  const { kernel, primary } = way('cluster');
  assert.deepEqual(kernel.listening, [[primary]]);
});

test('SCHED_NONE: one listening socket, held by the primary and every worker (one port, WORKERS + 1 PIDs)', {
  skip: linuxOnly,
}, () => {
  const { kernel, primary, workers } = way('shared');
  assert.deepEqual(kernel.listening, [sorted([primary, ...workers])]);
});

test('SO_REUSEPORT: a listening socket per worker, each held by that worker alone', { skip: linuxOnly }, () => {
  const { kernel, workers } = way('reuseport');
  assert.equal(kernel.listening.length, WORKERS);
  assert.deepEqual(sorted(kernel.listening.map((pids) => (pids.length === 1 ? pids[0] : -1))), sorted(workers));
});

test('every primary and worker has exited when the demo ends (the lesson is the primary of SO_REUSEPORT)', {
  skip: linuxOnly,
}, () => {
  const started = (pid: number) => pid !== process.pid;
  const pids = seen.ways.flatMap((entry) => [entry.primary, ...entry.workers]).filter(started);
  assert.equal(way('reuseport').primary, process.pid, "the lesson's own process forked its workers");
  assert.deepEqual(pids.filter(isRunning), []);
});

test('--serve answers a real client with a worker PID, and SIGTERM stops every worker', {
  skip: linuxOnly,
}, async (t) => {
  let output = '';
  const { server, found: port } = await startServing(t, '13-fan-out-processes', (stdout) => {
    output = stdout;
    const match = /listening on 127\.0\.0\.1:(\d+)[\s\S]*workers (pid \d+(?:, pid \d+)*);/.exec(stdout);
    return match ? Number(match[1]) : undefined;
  });
  const workers = [...output.matchAll(/pid (\d+)/g)].map((match) => Number(match[1])).slice(1);
  const client = createConnection({ host: '127.0.0.1', port });
  t.after(() => client.destroy());
  const [reply] = await onceWithin(client.setEncoding('utf8'), 'data', stretchedByLoad(5000), 'a reply');
  assert.ok(workers.includes(Number(/pid (\d+)/.exec(reply as string)?.[1])), `${reply} names a worker`);
  client.end();

  const exited = onceWithin(server, 'exit', 10_000, 'the server to exit after SIGTERM');
  server.kill('SIGTERM');
  const [code] = await exited;
  assert.equal(code, 0);
  assert.match(output, /every worker has exited/);
  assert.deepEqual(workers.filter(isRunning), []);
});

/** What changes from run to run: how the shared socket and SO_REUSEPORT spread the connections. */
const SPREAD_MASKS = [
  [
    /^(shared|reuseport): ( *)primary pid PID; replies per worker: .*$/gm,
    '$1: $2primary pid PID; replies per worker: …',
  ],
  [/(shared|reuseport)(L\d+) -- "\d+ connections"/g, '$1$2 -- "C connections"'],
  [/; the accepted sockets by [^;\n]*$/gm, '; the accepted sockets by …'],
  [/, \d+ of (\d+) (on the shared socket|with SO_REUSEPORT)/g, ', C of $1 $2'],
] as const;

test('the output matches the sample in NOTES.md (rendered from this run)', (t) => {
  if (!sampleSettings) return t.skip('the sample shows the defaults');
  return assertRenderingMatchesNotes('13-fan-out-processes', [], renderTimeline(renderFanOut(seen)), [...SPREAD_MASKS]);
});

test('the diagram in NOTES.md is the one this run draws (--mermaid)', (t) => {
  if (!sampleSettings) return t.skip('the diagram shows the defaults');
  return assertMermaidMatchesNotes('13-fan-out-processes', mermaidFanOut(seen), [...SPREAD_MASKS]);
});

test('bad input is one error line and exit code 2', async () => {
  await Promise.all([
    assertRejects(
      '13-fan-out-processes',
      ['--workers', '0'],
      new RegExp(`--workers must be between 1 and ${MAX_WORKERS}`),
    ),
    assertRejects(
      '13-fan-out-processes',
      ['--serve', '--mode', 'fork'],
      /--mode must be one of cluster, shared, reuseport/,
    ),
    assertRejects('13-fan-out-processes', ['--mode', 'cluster'], /--mode goes with --serve/),
  ]);
});

test('--help explains the flags and exits 0', async () => {
  const run = await runInProcess('13-fan-out-processes', ['--help']);
  assert.equal(run.code, 0);
  assert.match(run.stdout, /--mode M/);
});

test('the questions of `npm run exercise -- 13` are answered by what this run measured', { skip: linuxOnly }, () => {
  assert.deepEqual(measuredAnswers(EXERCISE, seen), {
    'reuseport-rows': WORKERS,
    'shared-holders': WORKERS + 1,
    'round-robin-busiest': Math.ceil(CONNECTIONS / WORKERS),
  });
});
