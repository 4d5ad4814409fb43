/**
 * Skipping honestly. A test that needs Linux or an outside tool skips with the reason when it is
 * missing, except under REQUIRE_TOOLS=1 (CI), where a missing tool is a failure.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { findTool } from '../../scripts/lib/tools.ts';

const toolsRequired = process.env.REQUIRE_TOOLS === '1';

/** Debian package that provides each tool, for the skip message. */
const PACKAGE_OF: Record<string, string> = {
  ss: 'iproute2',
  lsof: 'lsof',
  strace: 'strace',
  tcpdump: 'tcpdump',
  sockperf: 'sockperf',
  iperf3: 'iperf3',
  socat: 'socat',
  nc: 'netcat-openbsd',
  setpriv: 'util-linux',
  unshare: 'util-linux',
  ip: 'iproute2',
  nft: 'nftables',
  prlimit: 'util-linux',
};

/** The Debian package that brings a tool. */
export const packageOf = (name: string): string => PACKAGE_OF[name] ?? name;

/** Why a tool cannot serve here: "prlimit is not installed (apt-get install util-linux)". */
export const notInstalled = (name: string): string => `${name} is not installed (apt-get install ${packageOf(name)})`;

/** The tool's path, or undefined after skipping the test (or failing it under REQUIRE_TOOLS=1). */
export async function toolOrSkip(t: TestContext, name: string): Promise<string | undefined> {
  const path = await findTool(name);
  if (path) return path;
  const reason = notInstalled(name);
  assert.ok(!toolsRequired, `${reason}, and REQUIRE_TOOLS=1 says it must be`);
  t.skip(reason);
  return undefined;
}

/**
 * True when an installed tool did its job here. Otherwise the test skips with `failure` (why the
 * tool could not: no permission to capture, say), and under REQUIRE_TOOLS=1 it fails instead.
 */
export function workedOrSkip(t: TestContext, failure: string | undefined): boolean {
  if (failure === undefined) return true;
  assert.ok(!toolsRequired, `${failure}, and REQUIRE_TOOLS=1 says it must work`);
  t.skip(failure);
  return false;
}

/** Skip options for a whole test or suite that reads Linux's /proc views. */
export const linuxOnly = process.platform === 'linux' ? false : 'reads Linux-only views (/proc/net, /proc/PID/fd)';
