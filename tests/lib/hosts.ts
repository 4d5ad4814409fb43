/**
 * For the tests of the scripts that make hosts (14 to 17): an observation that needs network
 * namespaces either happened or says why it could not, and a test skips with that reason (a
 * failure under REQUIRE_TOOLS=1). Also the witness that everything a run made is gone.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { HostsUnavailable } from '../../scripts/lib/hosts.ts';
import { readProcessStat } from '../../scripts/lib/proc-stat.ts';
import { workedOrSkip } from './tools.ts';

/** Runs `observe`; where hosts cannot be made here, the reason instead. */
export async function observeHosts<T>(observe: () => Promise<T>): Promise<T | HostsUnavailable> {
  try {
    return await observe();
  } catch (error) {
    if (error instanceof HostsUnavailable) return error;
    throw error;
  }
}

/** True when the hosts were made; otherwise the test skips with the reason. */
export function madeOrSkip<T>(t: TestContext, seen: T): seen is Exclude<T, HostsUnavailable> {
  return workedOrSkip(t, seen instanceof HostsUnavailable ? seen.message : undefined);
}

/**
 * Every network namespace that some process started before `startedBefore` (clock ticks since
 * boot) is in now, as /proc/PID/ns/net names them. The kernel hands a freed namespace's number to
 * the next namespace made, which another test file may make at any moment; a process in it started
 * after the run that freed the number, so asking for processes started before a run ended tells a
 * namespace that outlived the run from a new one with the same number.
 */
export function liveNamespaces(startedBefore: number): Set<string> {
  const namespaces = new Set<string>();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if ((readProcessStat(Number(pid))?.startTicks ?? Number.POSITIVE_INFINITY) >= startedBefore) continue;
      namespaces.add(readlinkSync(`/proc/${pid}/ns/net`));
    } catch {
      // The process exited while we looked, or is not ours to see.
    }
  }
  return namespaces;
}

/** The processes whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && readProcessStat(Number(name))?.ppid === pid)
    .map(Number);
}
