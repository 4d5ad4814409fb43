/**
 * How long a --serve run lives: until SIGINT or SIGTERM, or until the command that started it is
 * no longer whole. Apart from cli.ts, which loads it only for --serve.
 */
import { readProcessStat } from './proc-stat.ts';

/**
 * This process and the ones above it in its process group, each with its parent: for
 * `npx tsx scripts/03-accept.ts --serve &` that is the server, tsx, sh and npx.
 */
function commandChain(): Array<{ pid: number; ppid: number }> {
  const own = readProcessStat(process.pid);
  if (!own) return [];
  const chain = [{ pid: process.pid, ppid: own.ppid }];
  for (let above = readProcessStat(own.ppid); above?.pgrp === own.pgrp; above = readProcessStat(above.ppid)) {
    chain.push({ pid: chain.at(-1)!.ppid, ppid: above.ppid });
  }
  return chain;
}

/** Why the command that started this server is no longer whole, or undefined while it is. */
function whyBroken(chain: ReadonlyArray<{ pid: number; ppid: number }>): string | undefined {
  for (const { pid, ppid } of chain) {
    let now: ReturnType<typeof readProcessStat>;
    try {
      now = readProcessStat(pid);
    } catch (error) {
      // A server at its descriptor limit (12's --serve under prlimit) cannot open /proc until a
      // client leaves: that is no news about its command, so it looks again at the next check.
      if (['EMFILE', 'ENFILE'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
      throw error;
    }
    if (!now) return `pid ${pid} of this server's command exited`;
    if (now.ppid !== ppid) return `pid ${pid} of this server's command lost its parent`;
  }
  return undefined;
}

/**
 * The command's chain as it was when --serve began, before "listening on" was printed: a signal
 * sent as soon as that line appears must find the chain already known.
 */
let chainAtStart: Array<{ pid: number; ppid: number }> | undefined;

/** Called by runScript as --serve begins: see chainAtStart. */
export function noteCommandChain(): void {
  chainAtStart = commandChain();
}

/** How often a server checks that the command which started it is still whole. */
export const CHAIN_CHECK_MS = 200;

/**
 * Keeps a server up for real clients until SIGINT or SIGTERM, then runs `close` and returns, so the
 * script exits 0 on its own once every handle is closed. A signal may reach only the top of the
 * command (`kill $!` after `npx tsx … &`): npm passes it to its `sh -c`, and dash dies of it
 * without passing it on, which leaves tsx and the server orphaned. So the server also stops when
 * a process of its command is gone: one of them has a new parent, or no longer exists.
 * `listening` (the "listening on" lines) is printed only once the handlers are in place: whoever
 * sends a signal as soon as it reads them, even while another process of ours (13's workers)
 * answers its clients and this one has not run since, finds the server ready to close.
 */
export async function untilSignal(listening: string, close: () => Promise<void>): Promise<void> {
  const chain = chainAtStart ?? commandChain();
  const reason = await new Promise<string>((resolve) => {
    const stop = (why: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      clearInterval(watch);
      resolve(why);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    // Off Linux there is no chain to watch: the signals alone stop the server.
    const check = () => {
      const why = whyBroken(chain);
      if (why) stop(why);
    };
    const watch = chain.length === 0 ? undefined : setInterval(check, CHAIN_CHECK_MS);
    process.stdout.write(`${listening}\n`);
  });
  process.stderr.write(`${reason}: closing\n`);
  await close();
}
