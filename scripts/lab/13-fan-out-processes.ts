/**
 * The lab of 13-fan-out-processes: one port served by several processes, three ways. The third,
 * SO_REUSEPORT, is the lesson (scripts/13-fan-out-processes.ts): the lab runs its main(), hears
 * of its workers through Node's child_process channel and of its connections through the net
 * channels, and while every connection is open asks 08's lookup who holds the port. Beside it,
 * node:cluster's two ways, round-robin and SCHED_NONE, run in a primary process of the lab's own
 * (scripts/children/13-fan-out.ts: cluster's policy is frozen in a process at its first fork, so
 * each way needs a process of its own). Each way gets the same connections, one after another, all
 * kept open. Also --json, --mermaid, --serve (one way kept up for real clients) and
 * `npm run exercise -- 13`.
 */
import type { ChildProcess } from 'node:child_process';
import { createConnection, type Socket } from 'node:net';
import { main } from '../13-fan-out-processes.ts';
// 08's port lookup; it moves to scripts/lib/ on another branch.
import { lookupPort, type PortHolder } from '../lib/port-lookup.ts';
import { type NodeChild, startNodeChild } from '../lib/child.ts';
import {
  defineKnobs,
  defineScript,
  type FlagValues,
  hostFlag,
  integerFlag,
  isMain,
  nodeAtLeast,
  olderNodeError,
  runMain,
  type Line,
  listeningLine,
  portFlag,
  runScript,
  UsageError,
} from '../lib/cli.ts';
import { untilSignal } from '../lib/serve-lifetime.ts';
import { watchLesson } from '../lib/lab.ts';
import { label } from '../lib/mermaid.ts';
import { isRunning } from '../lib/proc-stat.ts';
import { defineExercise } from '../lib/questions.ts';
import { onceWithin, stretchedByLoad, untilTrue, within } from '../lib/wait.ts';

const HOST = '127.0.0.1';
export const MODES = ['cluster', 'shared', 'reuseport'] as const;
export type Mode = (typeof MODES)[number];
export const DEFAULT_WORKERS = 3;
export const MAX_WORKERS = 8;
export const DEFAULT_CONNECTIONS = 30;
export const MAX_CONNECTIONS = 1000;
export const KNOBS = defineKnobs({
  WORKERS: { fallback: DEFAULT_WORKERS, min: 1, max: MAX_WORKERS },
  CONNECTIONS: { fallback: DEFAULT_CONNECTIONS, min: 1, max: MAX_CONNECTIONS },
});
const STEP_TIMEOUT_MS = 10_000;
const SERVERS = new URL('../children/13-fan-out.ts', import.meta.url);
/** The lesson: three workers' start, 30 connections, their close; seconds on a loaded machine, never a minute. */
const LESSON_TIMEOUT_MS = 60_000;

/** What each way is, in a few words. */
export const WAY: Record<Mode, string> = {
  cluster: 'node:cluster round-robin: the primary accepts and hands each connection to a worker in turn',
  shared: 'node:cluster SCHED_NONE: one listening socket in every worker; they race in accept()',
  reuseport: 'SO_REUSEPORT (reusePort: true): a listening socket per worker; the kernel picks by a hash',
};

// --- node:cluster's two ways, in a primary of the lab's own -----------------------------------

interface Servers {
  child: NodeChild;
  port: number;
  primary: number;
  workers: number[];
}

/** The primary and its WORKERS workers on one port, served in `mode` (reuseport: the lesson's workers). */
async function startServers(mode: Mode, workers: number, host = HOST, port = 0): Promise<Servers> {
  const child = await startNodeChild({ module: SERVERS, args: ['primary', mode, String(workers), host, String(port)] });
  // A primary that does not report in time is stopped, or its channel would keep this process alive.
  const started = await child
    .next<{ port?: number; primary: number; workers: number[]; failed?: string }>(
      startBound(),
      `${workers} workers to listen (${mode})`,
    )
    .catch(async (error: unknown) => {
      await child.stop();
      throw error;
    });
  if (started.port === undefined) {
    await child.stop();
    throw new Error(`the ${mode} servers could not start: ${started.failed}`);
  }
  return { child, port: started.port, primary: started.primary, workers: started.workers };
}

/** A primary and its workers are 1 + WORKERS Nodes starting at once: 10 s, and more on a loaded machine. */
function startBound(): number {
  return stretchedByLoad(STEP_TIMEOUT_MS);
}

/** Stops the primary (its channel closes, and it stops its workers) and waits until every worker is gone. */
async function stopServers(servers: Servers): Promise<void> {
  await servers.child.stop();
  await untilTrue(() => !servers.workers.some(isRunning), STEP_TIMEOUT_MS, 'every worker to exit');
}

/** One connection: the PID its reply names. The socket stays open, so that 08's lookup sees it. */
async function connectAndAsk(port: number): Promise<{ socket: Socket; pid: number }> {
  const socket = createConnection({ host: HOST, port });
  socket.setEncoding('utf8');
  const [reply] = (await onceWithin(socket, 'data', STEP_TIMEOUT_MS, 'a reply naming a PID')) as [string];
  const pid = Number(/^pid (\d+)\n$/.exec(reply)?.[1]);
  if (!Number.isInteger(pid)) throw new Error(`an unexpected reply: ${JSON.stringify(reply)}`);
  return { socket, pid };
}

/** CONNECTIONS connections, one after another, to cluster's servers; then 08's lookup while all are open. */
export async function observeCluster(
  mode: Exclude<Mode, 'reuseport'>,
  workers = DEFAULT_WORKERS,
  connections = DEFAULT_CONNECTIONS,
): Promise<Way> {
  const servers = await startServers(mode, workers);
  const open: Socket[] = [];
  try {
    const repliedBy: number[] = [];
    for (let i = 0; i < connections; i++) {
      const { socket, pid } = await connectAndAsk(servers.port);
      open.push(socket);
      repliedBy.push(pid);
    }
    const holders = lookupPort(servers.port).filter((holder) => holder.protocol === 'tcp');
    return {
      mode,
      port: servers.port,
      primary: servers.primary,
      workers: servers.workers,
      perWorker: servers.workers.map((pid) => repliedBy.filter((by) => by === pid).length),
      strangers: repliedBy.filter((pid) => !servers.workers.includes(pid)).length,
      kernel: summarize(holders, servers.port, servers.workers),
    };
  } finally {
    for (const socket of open) socket.destroy();
    await stopServers(servers);
  }
}

// --- Watching the lesson: SO_REUSEPORT ------------------------------------------------------

/**
 * Runs the lesson with WORKERS workers and CONNECTIONS connections. Its process is the primary
 * here: it forks the workers and makes the connections. At the last reply every connection is
 * open, and the lab asks 08's lookup then, before the lesson's next line closes them.
 */
export async function observeLesson(workers = DEFAULT_WORKERS, connections = DEFAULT_CONNECTIONS): Promise<Way> {
  const children: ChildProcess[] = [];
  let port = 0;
  const repliedBy: number[] = [];
  const sockets: Socket[] = [];
  let kernel: Way['kernel'] | undefined;
  const printed = await within(
    watchLesson(() => main(workers, connections), {
      spawned(child) {
        children.push(child);
        child.once('message', (said) => {
          if (typeof said === 'number') port = said;
        });
      },
      connecting(socket) {
        sockets.push(socket);
        socket.once('data', (reply) => {
          repliedBy.push(Number(/^pid (\d+)\n$/.exec(String(reply))?.[1]));
          if (repliedBy.length < connections) return;
          const holders = lookupPort(port).filter((holder) => holder.protocol === 'tcp');
          kernel = summarize(holders, port, pidsOf(children));
        });
      },
    }),
    LESSON_TIMEOUT_MS,
    `the lesson's ${workers} workers to answer ${connections} connections and exit`,
  ).catch((error: unknown) => {
    // A stuck lesson: end what it started, so that the failure is reported instead of waited on.
    for (const child of children) child.kill('SIGKILL');
    for (const socket of sockets) socket.destroy();
    throw error;
  });
  const failed = printed.find((line) => line.startsWith('server: a worker could not listen'));
  if (failed) throw new Error(`the reuseport servers could not start: ${failed}`);
  if (!kernel) throw new Error(`the lesson's ${connections} connections were not all answered`);
  const pids = pidsOf(children);
  return {
    mode: 'reuseport',
    port,
    primary: process.pid,
    workers: pids,
    perWorker: pids.map((pid) => repliedBy.filter((by) => by === pid).length),
    strangers: repliedBy.filter((pid) => !pids.includes(pid)).length,
    kernel,
  };
}

const pidsOf = (children: readonly ChildProcess[]) => children.map((child) => child.pid ?? 0);

// --- Instrumentation: what 08's lookup says about the port -----------------------------------

/**
 * 08's rows on the port, boiled down: the LISTEN rows with their PIDs, in the order of the workers
 * that hold them (a primary's first), and the PIDs that hold accepted sockets.
 */
function summarize(holders: readonly PortHolder[], port: number, workers: readonly number[]) {
  const pids = (holder: PortHolder) => holder.pids.map((owner) => owner.pid).sort((a, b) => a - b);
  const firstWorker = (held: readonly number[]) => Math.min(...held.map((pid) => workers.indexOf(pid)));
  const serving = holders.filter((holder) => holder.localPort === port);
  return {
    listening: serving
      .filter((holder) => holder.state === 'LISTEN')
      .map(pids)
      .sort((a, b) => firstWorker(a) - firstWorker(b)),
    acceptedBy: [...new Set(serving.filter((holder) => holder.state === 'ESTABLISHED').flatMap(pids))].sort(
      (a, b) => a - b,
    ),
  };
}

/** One way's run: who answered, and who held the port while every connection was open. */
export interface Way {
  mode: Mode;
  port: number;
  /** The process that started the workers: a primary of the lab's, or (reuseport) the lesson's, this one. */
  primary: number;
  workers: number[];
  perWorker: number[];
  strangers: number;
  kernel: ReturnType<typeof summarize>;
}

export async function observeFanOut(workers = DEFAULT_WORKERS, connections = DEFAULT_CONNECTIONS) {
  const ways = [
    await observeCluster('cluster', workers, connections),
    await observeCluster('shared', workers, connections),
    await observeLesson(workers, connections),
  ];
  return { workers, connections, ways };
}

export type FanOutObservations = Awaited<ReturnType<typeof observeFanOut>>;

const list = (pids: readonly number[]) => pids.map((pid) => `pid ${pid}`).join(', ');

/** Who a set of PIDs is, in this way's terms: the primary, a worker, or several of them. */
function whoIs(way: Way, pids: readonly number[]): string {
  const workers = pids.filter((pid) => way.workers.includes(pid));
  const primary = pids.includes(way.primary) ? [`the primary (pid ${way.primary})`] : [];
  const named =
    workers.length === way.workers.length && workers.length > 1
      ? [`all ${workers.length} workers`]
      : workers.map((pid) => `worker pid ${pid}`);
  const strangers = pids.length - workers.length - primary.length;
  return [...primary, ...named, ...(strangers > 0 ? [`${strangers} other process(es)`] : [])].join(' and ');
}

function lookupLine(way: Way): string {
  const { listening, acceptedBy } = way.kernel;
  const rows =
    listening.length === 1
      ? `1 LISTEN row, held by ${whoIs(way, listening[0])}`
      : `${listening.length} LISTEN rows, held by ${listening.map((pids) => whoIs(way, pids)).join(', ')}`;
  return `08's lookup of port ${way.port}: ${rows}; the accepted sockets by ${whoIs(way, acceptedBy)}`;
}

export function renderFanOut(seen: FanOutObservations): Line[] {
  const lines: Line[] = [
    [
      'workers',
      `${seen.workers} processes serve one port, three ways; ${seen.connections} connections each way, one after ` +
        'another, all kept open',
    ],
  ];
  for (const way of seen.ways) {
    const counts = way.workers.map((pid, i) => `pid ${pid} ${way.perWorker[i]}`).join(', ');
    lines.push(
      [way.mode, WAY[way.mode]],
      [way.mode, `primary pid ${way.primary}; replies per worker: ${counts}`],
      [way.mode, lookupLine(way)],
    );
  }
  const spread = (way: Way) => `${Math.max(...way.perWorker)} of ${seen.connections}`;
  const [cluster, shared, reuseport] = seen.ways;
  lines.push(
    [
      'lesson',
      `the busiest worker took ${spread(cluster)} in round-robin, ${spread(shared)} on the shared socket, ` +
        `${spread(reuseport)} with SO_REUSEPORT`,
    ],
    [
      'lesson',
      'one port, many PIDs: the kernel lists one listening socket shared by every worker, or one per worker; ' +
        'in round-robin only the primary listens',
    ],
  );
  return lines;
}

/** Each way: who listens, and how many connections each worker took. */
export function mermaidFanOut(seen: FanOutObservations): string[] {
  const lines = ['flowchart LR', `    C[${label(`this process: ${seen.connections} connections per way`)}]`];
  for (const way of seen.ways) {
    const { listening } = way.kernel;
    const id = (kind: string, i: number) => `${way.mode}${kind}${i}`;
    lines.push(`    subgraph ${way.mode}[${label(`${way.mode}: port ${way.port}`)}]`);
    lines.push(
      ...listening.map((pids, i) => `      ${id('L', i)}[${label(`LISTEN socket, held by ${whoIs(way, pids)}`)}]`),
      ...way.workers.map((pid, i) => `      ${id('W', i)}[${label(`worker pid ${pid}`)}]`),
    );
    lines.push('    end');
    lines.push(`    C --> ${listening.map((_, i) => id('L', i)).join(' & ')}`);
    way.workers.forEach((pid, i) => {
      // A worker's connections came through the listening socket it holds, or the primary's one.
      const through = Math.max(
        0,
        listening.findIndex((pids) => pids.includes(pid)),
      );
      lines.push(`    ${id('L', through)} -- ${label(`${way.perWorker[i]} connections`)} --> ${id('W', i)}`);
    });
  }
  return lines;
}

// --- --serve: one way, for real clients ------------------------------------------------------

function modeFlag(values: FlagValues): Mode {
  const mode = (values.mode as string | undefined) ?? 'reuseport';
  if (!(MODES as readonly string[]).includes(mode)) throw new UsageError(`--mode must be one of ${MODES.join(', ')}`);
  return mode as Mode;
}

async function serveFanOut(values: FlagValues): Promise<void> {
  const mode = modeFlag(values);
  const workers = integerFlag(values, 'workers', 1, MAX_WORKERS);
  const host = hostFlag(values);
  const servers = await startServers(mode, workers, host, values.port === undefined ? 0 : portFlag(values));
  const listening = [
    listeningLine('tcp', host, servers.port, `${mode}: ${servers.workers.length} workers`),
    `server: primary pid ${servers.primary}, workers ${list(servers.workers)}; each reply names its PID`,
  ];
  await untilSignal(listening.join('\n'), async () => {
    await stopServers(servers);
    console.log('server: every worker has exited');
  });
}

/** Predict, then run: `npm run exercise -- 13`. */
export const EXERCISE = defineExercise({
  knobs: KNOBS,
  observe: ({ WORKERS, CONNECTIONS }) => observeFanOut(WORKERS, CONNECTIONS),
  questions: [
    {
      id: 'reuseport-rows',
      kind: 'number',
      ask: {
        en: ({ WORKERS }) =>
          `${WORKERS} workers listen on one port with reusePort: true. How many LISTEN rows does the kernel show?`,
        ko: ({ WORKERS }) =>
          `워커 ${WORKERS}개가 reusePort: true로 한 포트에서 listen한다. 커널이 보여 주는 LISTEN 줄은 몇 개인가?`,
      },
      measure: (seen) => seen.ways[2].kernel.listening.length,
      why: {
        en: () => 'each worker bound a listening socket of its own with SO_REUSEPORT: one row each',
        ko: () => '워커마다 SO_REUSEPORT로 자기 리스닝 소켓을 bind했다. 워커마다 한 줄이다',
      },
    },
    {
      id: 'shared-holders',
      kind: 'number',
      ask: {
        en: ({ WORKERS }) =>
          `With cluster's SCHED_NONE and ${WORKERS} workers, how many PIDs hold the one listening socket?`,
        ko: ({ WORKERS }) =>
          `cluster의 SCHED_NONE과 워커 ${WORKERS}개라면, 하나뿐인 리스닝 소켓을 가진 PID는 몇 개인가?`,
      },
      measure: (seen) => seen.ways[1].kernel.listening[0]?.length ?? 0,
      why: {
        en: () => 'the primary made it and sent a descriptor of it to every worker (SCHED_NONE): workers + 1',
        ko: () => '주 프로세스가 그 소켓을 만들고 워커마다 디스크립터를 보냈다(SCHED_NONE): 워커 수 + 1',
      },
      notes: '#32-port-versus-pid-who-holds-this-port-08-port-vs-pid',
    },
    {
      id: 'round-robin-busiest',
      kind: 'number',
      ask: {
        en: ({ WORKERS, CONNECTIONS }) =>
          `Round-robin over ${WORKERS} workers, ${CONNECTIONS} connections one after another: how many does the ` +
          'busiest worker take?',
        ko: ({ WORKERS, CONNECTIONS }) =>
          `워커 ${WORKERS}개에 라운드 로빈으로, 연결 ${CONNECTIONS}개가 차례로 온다. 가장 바쁜 워커는 몇 개를 ` +
          '맡나?',
      },
      measure: (seen) => Math.max(...seen.ways[0].perWorker),
      why: {
        en: ({ connections, workers }) => `the primary deals them out in turn: ${connections} / ${workers}, rounded up`,
        ko: ({ connections, workers }) => `주 프로세스가 연결을 차례로 나눠 준다: ${connections} / ${workers}, 올림`,
      },
    },
  ],
});

function demoFromFlags(values: FlagValues): Promise<FanOutObservations> {
  return observeFanOut(
    integerFlag(values, 'workers', 1, MAX_WORKERS),
    integerFlag(values, 'connections', 1, MAX_CONNECTIONS),
  );
}

export const cli = defineScript({
  usage: `
Usage: npx tsx scripts/13-fan-out-processes.ts [--workers N] [--connections N] [--json | --mermaid]
       npx tsx scripts/13-fan-out-processes.ts --serve [--mode reuseport|cluster|shared]
                                               [--workers N] [--host ${HOST}] [--port 0]

Serves one port from N worker processes (default ${DEFAULT_WORKERS}, at most ${MAX_WORKERS}), three
ways: node:cluster round-robin, one listening socket shared by every worker (SCHED_NONE), and
SO_REUSEPORT. Each way gets the same connections; each reply names the worker's PID; 08's lookup
shows who holds the port.

--workers N       worker processes per way
--connections N   connections per way, one after another (default ${DEFAULT_CONNECTIONS})
--serve           keep one way up for real clients until Ctrl-C (nc 127.0.0.1 PORT)
--mode M          the way for --serve (default reuseport)`,
  flags: {
    workers: { type: 'string', default: String(DEFAULT_WORKERS) },
    connections: { type: 'string', default: String(DEFAULT_CONNECTIONS) },
    mode: { type: 'string', mode: 'serve' },
  },
  demo: demoFromFlags,
  render: renderFanOut,
  mermaid: mermaidFanOut,
  serve: serveFanOut,
});

/** Runs the lab's command line: the lesson calls this when it runs as a program in the project. */
/** reusePort, the lesson's way, came in Node 22.12 and 23.1; cluster's two ways run on any Node. */
export async function run(): Promise<void> {
  if (nodeAtLeast(22, 12)) await runScript(cli);
  else
    await runMain(async () => {
      throw olderNodeError('13-fan-out-processes', 22, 12, "server.listen()'s reusePort");
    });
}

if (isMain(import.meta.url)) await run();
