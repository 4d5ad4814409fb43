/**
 * A network namespace of the test's own (unshare --net --map-root-user): its own loopback, ports,
 * counters and sysctls, so a test can change them without touching this machine's.
 */
import type { TestContext } from 'node:test';
import { findTool, runTool, type ToolResult } from '../../scripts/lib/tools.ts';
import { stretchedByLoad } from '../../scripts/lib/wait.ts';
import { workedOrSkip } from './tools.ts';
import { ROOT } from './transcript.ts';

/** A finished run in the namespace, or why there was none (a tool missing, namespaces not allowed). */
export type NamespaceRun = ToolResult | { unavailable: string };

/**
 * Runs `command` (from the project's root) in a new network namespace after the shell commands
 * `setup`, then brings lo up (a new namespace starts with it down). Needs no test context, so a
 * test file can start a slow run at load and let it overlap its other tests.
 */
export async function startInOwnNamespace(
  setup: string,
  command: readonly string[],
  timeoutMs = stretchedByLoad(20_000),
): Promise<NamespaceRun> {
  const [unshare, ip] = await Promise.all([findTool('unshare'), findTool('ip')]);
  if (!unshare) return { unavailable: 'unshare is not installed (apt-get install util-linux)' };
  if (!ip) return { unavailable: 'ip is not installed (apt-get install iproute2)' };
  // In the shell, "$0" is ip and "$@" the command.
  const shell = `${setup} && "$0" link set lo up && exec "$@"`;
  const run = await runTool(unshare, ['--net', '--map-root-user', 'sh', '-c', shell, ip, ...command], timeoutMs, ROOT);
  const refused = /^unshare: .*$/m.exec(run.stderr)?.[0];
  return refused ? { unavailable: `no network namespace here (${refused})` } : run;
}

/** The run, or undefined after a skip with the reason (a failure under REQUIRE_TOOLS=1). */
export function ranOrSkip(t: TestContext, run: NamespaceRun): ToolResult | undefined {
  if ('unavailable' in run) {
    workedOrSkip(t, run.unavailable);
    return undefined;
  }
  return run;
}

/** startInOwnNamespace, then ranOrSkip: for a test that waits for its run. */
export async function runInOwnNamespace(
  t: TestContext,
  setup: string,
  command: readonly string[],
  timeoutMs = stretchedByLoad(20_000),
): Promise<ToolResult | undefined> {
  return ranOrSkip(t, await startInOwnNamespace(setup, command, timeoutMs));
}
