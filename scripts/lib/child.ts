/**
 * A second process for demos that need one (a listener we can freeze with SIGSTOP, a process
 * that drops its privileges). The child is a module of its own in scripts/children/
 * (04-stalled-listener.ts and the like): type-checked, linted and covered like the rest. It talks
 * back over Node's IPC channel with `process.send`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { readProcessStat } from './proc-stat.ts';
import { stretchedByLoad, untilTrue, within } from './wait.ts';

/**
 * The arguments that make this process's Node run the TypeScript module `file`: nothing extra
 * where Node strips types itself (22.18 and later), the tsx loader where it cannot.
 */
export function nodeArgsFor(file: string, args: readonly string[] = []): string[] {
  const loader = process.features.typescript ? [] : ['--import', 'tsx'];
  return [...loader, file, ...args];
}

/**
 * How much longer than its own bound a child's first message may take: the child has to start
 * Node and load its module before it can say anything. Idle, the project's Node starts a .ts file
 * in about 0.15 s (`/usr/bin/time node empty.ts`), but a suite that runs six files at once on two
 * cores, with a cold compile cache, once took more than 2 s (issue 18). So the allowance is
 * generous, 10 s, and grows with the machine's load per core (the 1-minute load average): it
 * only decides how long a broken start takes to be reported.
 */
export function startAllowanceMs(): number {
  return stretchedByLoad(10_000);
}

/** A stopped process is "T" in /proc/PID/stat, or "t" when a tracer (`npm run trace`) holds it in the stop. */
const isStopped = (state: string | undefined) => state === 'T' || state === 't';

export interface NodeChild {
  readonly process: ChildProcess;
  readonly pid: number;
  /**
   * The next message the child sent with `process.send`, waiting at most `ms`; the first message
   * also gets startAllowanceMs(), since the child must start before it can send anything.
   */
  next<T = unknown>(ms: number, what: string): Promise<T>;
  /** Sends a message to the child's `process.on('message')`. */
  send(message: unknown): void;
  /** Stops the child with SIGSTOP and waits until the kernel reports it stopped (Linux: /proc/PID/stat). */
  freeze(): Promise<void>;
  /** Lets a frozen child run again with SIGCONT and waits until it is no longer stopped. */
  thaw(): Promise<void>;
  /** Ends the child (SIGKILL also wakes a stopped one) and waits until it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts the TypeScript module `module` with `args` in a child Node, with an IPC channel to it.
 * `prefix` is a command that runs Node in turn, with its arguments (`prlimit --nofile=64:64 --`).
 */
export async function startNodeChild(
  program: { module: URL; args?: readonly string[]; prefix?: readonly string[] },
  startMs = 5000,
): Promise<NodeChild> {
  const argv = nodeArgsFor(fileURLToPath(program.module), program.args);
  const [command, ...commandArgs] = [...(program.prefix ?? []), process.execPath, ...argv];
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const inbox: unknown[] = [];
  const waiters: Array<(message: unknown) => void> = [];
  let heardFromIt = false;
  child.on('message', (message) => {
    heardFromIt = true;
    if (waiters.length > 0) waiters.shift()!(message);
    else inbox.push(message);
  });
  const exited = once(child, 'exit');
  await within(once(child, 'spawn'), startMs, 'the child process to start');

  return {
    process: child,
    pid: child.pid!,
    next<T>(ms: number, what: string): Promise<T> {
      if (inbox.length > 0) return Promise.resolve(inbox.shift() as T);
      const message = new Promise<T>((resolve) => waiters.push(resolve as (message: unknown) => void));
      // If the child dies first, say so instead of waiting out the timer.
      const died = exited.then(([code, signal]) => {
        throw new Error(`the child exited (${signal ?? code}) before sending ${what}`);
      });
      const bound = heardFromIt ? ms : ms + startAllowanceMs();
      return within(Promise.race([message, died]), bound, heardFromIt ? what : `${what} (the child's first word)`);
    },
    send(message: unknown): void {
      child.send(message as Parameters<ChildProcess['send']>[0]);
    },
    async freeze(): Promise<void> {
      child.kill('SIGSTOP');
      await untilTrue(
        async () => isStopped(readProcessStat(child.pid!)?.state),
        startMs,
        `pid ${child.pid} to stop (SIGSTOP)`,
      );
    },
    async thaw(): Promise<void> {
      child.kill('SIGCONT');
      await untilTrue(
        async () => !isStopped(readProcessStat(child.pid!)?.state),
        startMs,
        `pid ${child.pid} to resume (SIGCONT)`,
      );
    },
    async stop(): Promise<void> {
      // Closing the channel first ends a Node that runs under another command (strace), which SIGKILL would miss.
      if (child.connected) child.disconnect();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await within(exited, startMs, 'the child process to exit');
    },
  };
}

/** How long a process may take to go after SIGTERM before it gets SIGKILL. */
const STOP_TIMEOUT_MS = 5000;

/** Ends a server process and waits for it: SIGTERM first, SIGKILL if it does not go. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  try {
    await within(exited, STOP_TIMEOUT_MS, `pid ${child.pid} to exit after SIGTERM`);
  } catch {
    child.kill('SIGKILL');
    await within(exited, STOP_TIMEOUT_MS, `pid ${child.pid} to exit after SIGKILL`);
  }
}
