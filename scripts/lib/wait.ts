/**
 * Bounded waiting. Every wait in this collection ends: either the awaited event happens or a
 * timer fails it with a message that names what never came.
 */
import { once } from 'node:events';
import type { EventEmitter } from 'node:events';
import { availableParallelism, loadavg } from 'node:os';

/**
 * A bound for a wait, stretched by the machine's load: `ms` on an idle machine, three times as
 * long with three runnable processes per core (the one-minute load average), at most `maxStretch`
 * times. A bound only keeps a broken step from hanging: a wait that succeeds ends early, and a busy
 * machine must not turn a slow event into a failure.
 */
export function stretchedByLoad(ms: number, maxStretch = Number.POSITIVE_INFINITY): number {
  return Math.round(ms * Math.min(maxStretch, Math.max(1, loadavg()[0] / availableParallelism())));
}

/** A bounded wait that ran out: "timed out after MS ms waiting for WHAT". */
export class TimedOut extends Error {
  readonly ms: number;
  constructor(ms: number, what: string) {
    super(`timed out after ${ms} ms waiting for ${what}`);
    this.ms = ms;
  }
}

/** Settles like `promise`, or rejects after `ms` with a TimedOut. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(ms, what)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** `events.once` with a deadline: resolves with the event's arguments. */
export function onceWithin(emitter: EventEmitter, event: string, ms: number, what = `'${event}'`): Promise<unknown[]> {
  return within(once(emitter, event), ms, what);
}

/**
 * Polls `probe` until it returns something other than undefined. For kernel state that has no
 * event to wait on (a row appearing in /proc/net/tcp); bounded like every other wait.
 */
export async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  ms: number,
  what: string,
  everyMs = 5,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new TimedOut(ms, what);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * `until` for a yes-or-no question about kernel state: polls until `probe` answers true. A probe
 * that starts a tool (ss, nft) asks less often, `everyMs`: each look costs a process.
 */
export async function untilTrue(
  probe: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
  everyMs = 5,
): Promise<void> {
  await until(async () => ((await probe()) ? true : undefined), ms, what, everyMs);
}
