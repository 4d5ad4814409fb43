/**
 * Running a script's --serve mode as a real server for a test: start it, read its stdout until the
 * "listening on" lines say where it is, and kill it after the test whatever happens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { nodeArgsFor, startAllowanceMs } from '../../scripts/lib/child.ts';
import { readProcessStat } from '../../scripts/lib/proc-stat.ts';
import { onceWithin, within } from '../../scripts/lib/wait.ts';
import { ROOT } from './transcript.ts';

/**
 * Starts `scripts/NAME.ts --serve` and resolves once `ready(stdout so far)` returns a value.
 * `prefix` is a command that runs Node in turn (`prlimit --nofile=40:40 --`).
 */
export async function startServing<T>(
  t: TestContext,
  name: string,
  ready: (output: string) => T | undefined,
  prefix: readonly string[] = [],
): Promise<{ server: ChildProcess; found: T }> {
  const [command, ...args] = [...prefix, process.execPath, ...nodeArgsFor(`scripts/${name}.ts`, ['--serve'])];
  const server = spawn(command, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => server.kill('SIGKILL'));
  let output = '';
  const found = new Promise<T>((resolve) =>
    server.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const value = ready(output);
      if (value !== undefined) resolve(value);
    }),
  );
  let errors = '';
  server.stderr!.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
  const exited = onceWithin(server, 'exit', startAllowanceMs(), `"listening on" from ${name} --serve`).then(() => {
    throw new Error(`${name} --serve exited before it was listening; it said: ${errors.trim() || 'nothing'}`);
  });
  return { server, found: await Promise.race([found, exited]) };
}

/**
 * Starts `npx tsx scripts/NAME.ts --serve` as a shell job does (`… &` with job control): in a process
 * group of its own, npx at its head. Resolves with npx's process, the port it listens on, and a
 * promise that every process of the command has closed its pipes and npx has exited (a process is
 * then on its way out, though the kernel may not have made it a zombie yet).
 */
export async function startServingLikeAUser(
  t: TestContext,
  name: string,
): Promise<{ command: ChildProcess; port: number; pipesClosed: Promise<unknown> }> {
  const command = spawn('npx', ['tsx', `scripts/${name}.ts`, '--serve'], {
    cwd: ROOT,
    // Out of c8's coverage: tsx hands V8 its own transform of each file, whose ranges cannot be
    // merged with those of the type-stripped runs of the same files.
    env: { ...process.env, NODE_V8_COVERAGE: undefined },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Every process of the command holds one of these pipes (tsx's esbuild helper only stderr): both close
  // when the last of them has let its descriptors go on its way out. npx is our child: its exit is also
  // the moment it is reaped.
  const pipesClosed = Promise.all([
    once(command.stdout!, 'close'),
    once(command.stderr!, 'close'),
    once(command, 'exit'),
  ]);
  command.stderr!.resume(); // read, so that its end (and close) can come
  t.after(() => {
    try {
      process.kill(-command.pid!, 'SIGKILL');
    } catch {
      // The group is already gone, as it should be.
    }
  });
  let output = '';
  const listening = new Promise<number>((resolve) =>
    command.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const found = /^listening on \S+:(\d+)\b/m.exec(output);
      if (found) resolve(Number(found[1]));
    }),
  );
  // npx, then tsx, then Node with tsx's loader: three starts, where startNodeChild() waits for one.
  const port = await within(
    listening,
    3 * startAllowanceMs(),
    `"listening on" from npx tsx scripts/${name}.ts --serve`,
  );
  return { command, port, pipesClosed };
}

/**
 * The processes of group `pgid` that still run. A zombie does not: it has exited, and only waits for
 * a parent to collect its status (an orphan's new parent, PID 1, may be slow to do that in a container).
 */
export function runningInGroup(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      const stat = readProcessStat(pid); // undefined: it exited while we looked
      return stat?.pgrp === pgid && stat.state !== 'Z';
    });
}

/** Each PID with its command line, for a failure message that says what is still running. */
export function commandLines(pids: readonly number[]): string[] {
  return pids.map((pid) => {
    try {
      return `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()}`;
    } catch {
      return `${pid}: (exited)`;
    }
  });
}
