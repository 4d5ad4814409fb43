/**
 * How a lab watches its lesson. The lab runs the lesson's own main() in this process and sees
 * every socket the lesson makes through Node's built-in diagnostics channels, the hooks that
 * tracing tools use (https://nodejs.org/api/diagnostics_channel.html#built-in-channels). The
 * lesson carries no instrumentation: what the lab reports is what the lesson's code did.
 *
 * Node publishes on these channels synchronously, inside the call or event that made the socket
 * or accepted it, and a lab that reads /proc there (readTableNow, readDescriptorTable) sees the
 * kernel at that very step, before the lesson's next line runs. (A client socket is published
 * before its own socket() and connect(), which Node makes on the next tick: a lab reads its state
 * at its 'connect'.) The lesson's own console lines are kept for the lab, not printed on stdout:
 * the lab tells the story its way there, and --json must print nothing else. On a terminal, they
 * also go to stderr as the lesson prints them, under a heading, so that a learner sees the lines
 * of the file they read before the lab's view of them.
 */
import type { ChildProcess } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket as DatagramSocket } from 'node:dgram';
import type { Server, Socket } from 'node:net';
import { runScript, type ScriptDefinition } from './cli.ts';

/** What a lab wants to hear of, each called at the moment it happens. All are optional. */
export interface LessonWatch {
  /** listen() is done: Node has made socket(), bind() and listen() for this server. */
  listening?(server: Server): void;
  /**
   * listen() failed: Node's error for bind()'s refusal (or listen()'s), naming the address and
   * port asked for (no port when it was 0).
   */
  refused?(error: NodeJS.ErrnoException & { address?: string; port?: number }): void;
  /** accept4() returned a new socket (Node publishes it after the lesson's 'connection' handler ran). */
  accepted?(socket: Socket): void;
  /** net.connect() made a client socket; Node calls socket() and connect() for it on the next tick. */
  connecting?(socket: Socket): void;
  /** dgram.createSocket() made a UDP socket; its bind() comes later. */
  datagram?(socket: DatagramSocket): void;
  /**
   * The lesson started a child process (fork, spawn): Node publishes it as the ChildProcess is made,
   * before it runs and before the lesson's own listeners, so a lab's 'message' listener hears first.
   */
  spawned?(child: ChildProcess): void;
  /** The lesson printed a line. */
  printed?(line: string): void;
}

/** Node's channel for each of LessonWatch's socket events, and the field its message carries. */
const CHANNELS = {
  listening: ['tracing:net.server.listen:asyncEnd', 'server'],
  refused: ['tracing:net.server.listen:error', 'error'],
  accepted: ['net.server.socket', 'socket'],
  connecting: ['net.client.socket', 'socket'],
  datagram: ['udp.socket', 'socket'],
  spawned: ['child_process', 'process'],
} as const;

let watching = false;

/** Whether the lessons' own lines are echoed: on a terminal, unless a runner asked for silence. */
let echoAllowed = true;

/**
 * Runs `observe` with the lessons' lines not echoed, then echoes them again (the interview view,
 * which judges answers and shows no demo, would bury its verdicts under them).
 */
export async function withoutLessonLines<T>(observe: () => Promise<T>): Promise<T> {
  echoAllowed = false;
  try {
    return await observe();
  } finally {
    echoAllowed = true;
  }
}

/** Whether a lesson's lines go to stderr as it runs: a learner on a terminal watches them. */
export const lessonLinesShown = (): boolean => echoAllowed && process.stderr.isTTY === true;

/**
 * Runs `lesson` (a lesson's main with the lab's knobs) while `watch` hears of its sockets and
 * lines, and returns the lines it printed. The channels and the console are the process's own,
 * so one lesson is watched at a time.
 */
export async function watchLesson(lesson: () => Promise<void>, watch: LessonWatch): Promise<string[]> {
  if (watching) throw new Error('a lab watches one lesson at a time, and one is running');
  watching = true;
  const printed: string[] = [];
  const consoleLog = console.log;
  const shown = lessonLinesShown();
  if (shown) process.stderr.write("── the lesson's own lines, as it runs ──\n");
  console.log = (...parts: unknown[]) => {
    const line = parts.map(String).join(' ');
    printed.push(line);
    if (shown) process.stderr.write(`  lesson │ ${line}\n`);
    watch.printed?.(line);
  };
  const subscribed: Array<[string, (message: unknown) => void]> = [];
  for (const [event, [channel, field]] of Object.entries(CHANNELS)) {
    const handler = watch[event as keyof typeof CHANNELS] as ((value: unknown) => void) | undefined;
    if (!handler) continue;
    const onMessage = (message: unknown) => handler((message as Record<string, unknown>)[field]);
    subscribe(channel, onMessage);
    subscribed.push([channel, onMessage]);
  }
  try {
    await lesson();
    if (shown) process.stderr.write('── the lab: what the kernel made of each step ──\n');
    return printed;
  } finally {
    for (const [channel, onMessage] of subscribed) unsubscribe(channel, onMessage);
    console.log = consoleLog;
    watching = false;
  }
}

/**
 * The entry of a lab whose lesson is programs for two hosts (14 to 16). Started by the lab inside
 * a host, with ROLE set, it plays that part: the lesson's main(), which reads its role from the
 * environment. A program that serves ends when the lab that started it goes away (its IPC channel
 * closes); one of `rolesThatEnd` lets go of the channel once main() is done, and ends. Anywhere
 * else, it is the lab's command line.
 */
export async function runLabOrRole<Observations>(
  cli: ScriptDefinition<Observations>,
  main: () => Promise<void>,
  rolesThatEnd: readonly string[],
): Promise<void> {
  const role = process.env.ROLE;
  if (!role) {
    await runScript(cli);
    return;
  }
  process.on('disconnect', () => process.exit(0));
  try {
    await main();
  } catch (error) {
    // One line for the lab to show, never a stack trace: a program's failure is the lab's to report.
    process.stderr.write(`error: ${role}: ${(error as Error).message}\n`);
    process.exit(1);
  }
  if (rolesThatEnd.includes(role)) process.disconnect?.();
}
