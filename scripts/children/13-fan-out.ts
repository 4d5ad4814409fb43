/**
 * 13-fan-out-processes' servers: one port served by several processes, in one of three ways.
 *
 *   node 13-fan-out.ts primary MODE WORKERS HOST PORT   starts the workers, reports over IPC
 *   node 13-fan-out.ts worker MODE HOST PORT            one worker (started by the primary)
 *
 * MODE "cluster": node:cluster round-robin, the primary accepts and hands each connection to a
 * worker. "shared": cluster's SCHED_NONE, the primary's one listening socket is sent to every
 * worker, which all accept on it. "reuseport" (for --serve; the demo runs the lesson itself): the
 * lesson's own workers (scripts/13-fan-out-processes.ts, role "worker"), each with a listening
 * socket of its own on the same port (SO_REUSEPORT). Each worker answers a connection with
 * "pid N\n" and keeps it open until the client ends it. The primary tells its parent { port, primary, workers }
 * (or { failed } if a worker could not listen), and stops every worker when its channel closes or on
 * SIGTERM or SIGINT.
 */
import { type ChildProcess, fork } from 'node:child_process';
import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const [role, mode, ...rest] = process.argv.slice(2);
const report = (message: unknown) => process.send?.(message);

/** A cluster worker: answer each connection with this process's PID, and let the client end it. */
function serve(host: string, port: number): void {
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.on('end', () => socket.end());
    socket.write(`pid ${process.pid}\n`);
  });
  server.on('error', (error: NodeJS.ErrnoException) => report({ failed: error.code }));
  server.listen({ host, port }, () => report({ listening: (server.address() as AddressInfo).port, pid: process.pid }));
  process.on('disconnect', () => process.exit(0));
}

type AnyWorker = Worker | ChildProcess;
const pidOf = (worker: AnyWorker) => ('process' in worker ? worker.process.pid : worker.pid) as number;

const LESSON = fileURLToPath(new URL('../13-fan-out-processes.ts', import.meta.url));

/** Starts one worker on `port` and waits for it to listen; its message names the port the kernel gave. */
async function startWorker(host: string, port: number): Promise<{ worker: AnyWorker; port: number }> {
  const worker: AnyWorker = mode === 'reuseport' ? fork(LESSON, ['worker', host, String(port)]) : cluster.fork();
  // The lesson's worker says its port, or why it could not listen; this file's says { listening } or { failed }.
  const [message] = (await once(worker, 'message')) as [number | string | { listening?: number; failed?: string }];
  const listening = typeof message === 'object' ? message.listening : message;
  if (typeof listening !== 'number')
    throw new Error(`a worker could not listen: ${typeof message === 'object' ? message.failed : message}`);
  return { worker, port: listening };
}

async function primary(workerCount: number, host: string, requestedPort: number): Promise<void> {
  if (mode !== 'reuseport') {
    // Frozen at the first fork: the one policy of this primary's cluster.
    cluster.schedulingPolicy = mode === 'cluster' ? cluster.SCHED_RR : cluster.SCHED_NONE;
    cluster.setupPrimary({ exec: fileURLToPath(import.meta.url), args: ['worker', mode, host, String(requestedPort)] });
  }
  const workers: AnyWorker[] = [];
  const stop = () => {
    for (const worker of workers) worker.kill('SIGTERM');
    process.exit(0);
  };
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    const start = async (port: number) => {
      const started = await startWorker(host, port);
      workers.push(started.worker);
      return started.port;
    };
    // The first worker may be given port 0; the others, started side by side, take the port it got.
    const port = await start(requestedPort);
    await Promise.all(Array.from({ length: workerCount - 1 }, () => start(port)));
    report({ port, primary: process.pid, workers: workers.map(pidOf) });
  } catch (error) {
    report({ failed: (error as Error).message });
    stop();
  }
}

if (role === 'worker') serve(rest[0], Number(rest[1]));
else await primary(Number(rest[0]), rest[1], Number(rest[2]));
