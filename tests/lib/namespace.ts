/**
 * A network namespace of the test's own (unshare --net --map-root-user): its own loopback, ports,
 * counters and sysctls, so a test can change them without touching this machine's.
 */
import type { TestContext } from 'node:test';
import { runTool, type ToolResult } from '../../scripts/lib/tools.ts';
import { toolOrSkip, workedOrSkip } from './tools.ts';
import { ROOT } from './transcript.ts';

/**
 * Runs `command` (from the project's root) in a new network namespace after the shell commands
 * `setup`, then brings lo up (a new namespace starts with it down). Resolves with the run, or with
 * undefined after a skip when unshare or ip is missing or namespaces are not allowed here (both
 * failures under REQUIRE_TOOLS=1).
 */
export async function runInOwnNamespace(
  t: TestContext,
  setup: string,
  command: readonly string[],
  timeoutMs = 20_000,
): Promise<ToolResult | undefined> {
  const unshare = await toolOrSkip(t, 'unshare');
  const ip = await toolOrSkip(t, 'ip');
  if (!unshare || !ip) return undefined;
  // In the shell, "$0" is ip and "$@" the command.
  const shell = `${setup} && "$0" link set lo up && exec "$@"`;
  const run = await runTool(unshare, ['--net', '--map-root-user', 'sh', '-c', shell, ip, ...command], timeoutMs, ROOT);
  const refused = /^unshare: .*$/m.exec(run.stderr)?.[0];
  return workedOrSkip(t, refused && `no network namespace here (${refused})`) ? run : undefined;
}
