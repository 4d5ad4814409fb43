/**
 * Two hosts joined by a link, made of network namespaces (Linux, as root): each host is a Node
 * process alone in a namespace of its own (scripts/children/host.ts), and a veth pair joins the
 * two. The link leads nowhere else, so no packet can leave them; and their addresses are
 * documentation ones, 192.0.2.0/24 and 2001:db8::/64, which no real host has. A lab runs a
 * lesson's program in a host with `host.start()`, and a tool with `host.tool()`: both enter the
 * host's namespace with nsenter, as processes of their own. The machine's own namespace is never
 * touched; stopping the hosts (or the script dying) ends every process in them, and their
 * namespaces, links and nft rules go with them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { nodeArgsFor } from './child.ts';
import { lessonLinesShown } from './lab.ts';
import { findTool, runTool, type ToolResult } from './tools.ts';
import { stretchedByLoad, within } from './wait.ts';

const HOST_PROGRAM = new URL('../children/host.ts', import.meta.url);
const START_MS = stretchedByLoad(10_000);
/** How long a tool run in a host may take (ip, ss, nft, sysctl: milliseconds, on a loaded machine more). */
const TOOL_MS = stretchedByLoad(20_000);

export interface HostSpec {
  name: string;
  /** The end of the link in this host. */
  link: string;
  ipv4: string;
  ipv6: string;
}

export const HOST_A: HostSpec = { name: 'A', link: 'host-a', ipv4: '192.0.2.1', ipv6: '2001:db8::1' };
export const HOST_B: HostSpec = { name: 'B', link: 'host-b', ipv4: '192.0.2.2', ipv6: '2001:db8::2' };
const PREFIX = { ipv4: 24, ipv6: 64 };

export class HostsUnavailable extends Error {}

export interface Host extends HostSpec {
  /** The host process's PID, and its namespace as /proc/PID/ns/net names it ("net:[4026532178]"). */
  readonly pid: number;
  readonly namespace: string;
  /** Runs an outside tool (ip, ss, nft) in this host's namespace (nsenter); its exit code and output. */
  tool(name: string, args: readonly string[]): Promise<ToolResult>;
  /**
   * Starts the TypeScript program `file` (a path from the project's root) with `args` as a process
   * of its own in this host's namespace, with `env` added to its environment. It ends with the hosts.
   */
  start(file: string, env: Record<string, string>, args?: readonly string[]): HostProgram;
}

/** A program running in a host: its PID, what it printed so far, and a way to wait for a line. */
export interface HostProgram {
  readonly pid: number;
  readonly lines: readonly string[];
  /** Writes `line` to the program's standard input, as a person at its terminal would. */
  input(line: string): void;
  /**
   * The first line that matches `pattern`, among those printed from line `from` on (already, or to
   * come); bounded by `ms`.
   */
  line(pattern: RegExp, ms: number, what: string, from?: number): Promise<RegExpExecArray>;
  /** Waits for the program to end by itself; its exit code. */
  exited(ms: number): Promise<number | null>;
  /** Ends the program and waits until it is gone. */
  stop(): Promise<void>;
}

/**
 * Starts a host's process, listed in `hosts` as soon as it exists: a host that starts while the
 * other fails to (a busy machine, a bound run out) must still be ended, or its IPC channel keeps
 * the lab's process alive for ever.
 */
async function startHost(
  spec: HostSpec,
  { unshare, nsenter }: { unshare: string; nsenter: string },
  { hosts, programs }: { hosts: ChildProcess[]; programs: ChildProcess[] },
): Promise<Host> {
  const child = spawn(unshare, ['--net', process.execPath, ...nodeArgsFor(fileURLToPath(HOST_PROGRAM))], {
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  hosts.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  // The host's one message: its namespace, once it runs in it.
  const started = once(child, 'message').then(([message]) => (message as { ready: string }).ready);
  const exited = once(child, 'exit').then(() => {
    const refused = stderr.trim().split('\n')[0] || 'the host process exited';
    throw new HostsUnavailable(`two hosts need network namespaces, which these scripts make only as root (${refused})`);
  });
  exited.catch(() => {});
  const namespace = await within(Promise.race([started, exited]), START_MS, `host ${spec.name} to start`);
  const enter = `--net=/proc/${child.pid}/ns/net`;
  const host: Host = {
    ...spec,
    pid: child.pid!,
    namespace,
    async tool(name: string, args: readonly string[]): Promise<ToolResult> {
      const path = await findTool(name);
      if (!path) throw new Error(`${name} is not installed`);
      return runTool(nsenter, [enter, '--', path, ...args], TOOL_MS);
    },
    start(file: string, env: Record<string, string>, args: readonly string[] = []): HostProgram {
      // nsenter enters the namespace and execs Node in place, so the PID is the program's own. The
      // IPC channel is what ends it with the hosts: the program exits when the channel closes.
      const program = spawn(nsenter, [enter, '--', process.execPath, ...nodeArgsFor(file, args)], {
        env: { ...process.env, ...env },
        stdio: ['pipe', 'pipe', 'inherit', 'ipc'],
      });
      programs.push(program);
      return hostProgram(program, `${file} in host ${spec.name}`, `lesson in host ${spec.name}`);
    },
  };
  return host;
}

/** Follows a program's output line by line, so a lab can wait for the line that carries a fact. */
function hostProgram(child: ChildProcess, name: string, label: string): HostProgram {
  const lines: string[] = [];
  let partial = '';
  const waiters: Array<() => void> = [];
  const exited = once(child, 'exit');
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    const parts = (partial + text).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    // On a terminal, a learner sees what the lesson's program prints, as it prints it (stdout stays the lab's).
    if (lessonLinesShown()) for (const line of parts) process.stderr.write(`  ${label} │ ${line}\n`);
    for (const wake of waiters.splice(0)) wake();
  });
  const endedWithout = (what: string) =>
    exited.then(([code, signal]) => {
      throw new Error(`${name} ended (${signal ?? code}) before printing ${what}: ${lines.join(' | ')}`);
    });
  return {
    pid: child.pid!,
    lines,
    input(line: string): void {
      child.stdin!.write(`${line}\n`);
    },
    async line(pattern: RegExp, ms: number, what: string, from = 0): Promise<RegExpExecArray> {
      const found = async (): Promise<RegExpExecArray> => {
        for (;;) {
          for (const line of lines.slice(from)) {
            const match = pattern.exec(line);
            if (match) return match;
          }
          await new Promise<void>((wake) => waiters.push(wake));
        }
      };
      return within(Promise.race([found(), endedWithout(what)]), ms, `${what} from ${name}`);
    },
    async exited(ms: number): Promise<number | null> {
      const [code] = await within(exited, ms, `${name} to end`);
      return code as number | null;
    },
    async stop(): Promise<void> {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = once(child, 'exit');
      child.kill('SIGKILL');
      await gone;
    },
  };
}

/** Runs a tool in `host` and returns its output; fails with the tool's own message when it fails. */
export async function must(host: Host, name: string, args: readonly string[]): Promise<string> {
  const run = await host.tool(name, args);
  if (run.code !== 0) throw new Error(`${name} ${args.join(' ')} in host ${host.name}: ${run.stderr.trim()}`);
  return run.stdout;
}

export interface TwoHosts {
  a: Host;
  b: Host;
  /** Ends both hosts and waits until their processes are gone: their namespaces go with them. */
  stop(): Promise<void>;
}

/**
 * Starts hosts A and B, joins them with a veth pair (host-a in A, host-b in B), gives each its
 * addresses and brings every link up. Throws HostsUnavailable where namespaces cannot be made.
 */
export async function startTwoHosts(): Promise<TwoHosts> {
  const [unshare, nsenter, ip] = await Promise.all([findTool('unshare'), findTool('nsenter'), findTool('ip')]);
  if (!unshare || !nsenter || !ip)
    throw new HostsUnavailable('two hosts need unshare, nsenter and ip (apt-get install util-linux iproute2)');
  const hosts: ChildProcess[] = [];
  const programs: ChildProcess[] = [];
  const stop = async () => {
    // The programs first: a process still in a namespace would keep it alive after its host.
    await Promise.all(
      [...programs, ...hosts].map(async (child) => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = once(child, 'exit');
          child.kill('SIGKILL');
          await exited;
        }
      }),
    );
  };
  try {
    const [a, b] = await Promise.all(
      [HOST_A, HOST_B].map((spec) => startHost(spec, { unshare, nsenter }, { hosts, programs })),
    );
    // Made in A, the peer end moved into B's namespace by B's PID.
    await must(a, 'ip', ['link', 'add', a.link, 'type', 'veth', 'peer', 'name', b.link, 'netns', String(b.pid)]);
    for (const host of [a, b]) {
      await must(host, 'ip', ['link', 'set', 'lo', 'up']);
      await must(host, 'ip', ['addr', 'add', `${host.ipv4}/${PREFIX.ipv4}`, 'dev', host.link]);
      // nodad: the address is usable at once, without the second of duplicate detection.
      await must(host, 'ip', ['-6', 'addr', 'add', `${host.ipv6}/${PREFIX.ipv6}`, 'dev', host.link, 'nodad']);
      // One TCP segment per packet, as on a real wire: veth would otherwise pass 64 KiB "super-packets"
      // (GSO) whole, and a rule that drops one would drop dozens of segments at once.
      await must(host, 'ip', ['link', 'set', host.link, 'gso_max_segs', '1', 'up']);
    }
    return { a, b, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

// --- nftables in a host: a table of its own, rules by handle, their counters ------------------

export type Hook = 'input' | 'output';

/** An `inet` table of the host's own with a filter chain, named after its hook, on each of `hooks`. */
export async function nftTable(host: Host, table: string, hooks: readonly Hook[]): Promise<void> {
  await must(host, 'nft', ['add', 'table', 'inet', table]);
  for (const hook of hooks)
    await must(host, 'nft', [
      'add',
      'chain',
      'inet',
      table,
      hook,
      '{',
      'type',
      'filter',
      'hook',
      hook,
      'priority',
      '0',
      ';',
      '}',
    ]);
}

/** Adds `rule` (nft's words: "tcp dport 80 drop") to the chain of `hook`; returns the rule's handle. */
export async function nftRule(host: Host, table: string, hook: Hook, rule: readonly string[]): Promise<number> {
  const echoed = await must(host, 'nft', ['--echo', '--handle', 'add', 'rule', 'inet', table, hook, ...rule]);
  return Number(/# handle (\d+)/.exec(echoed)?.[1]);
}

export async function nftDelete(host: Host, table: string, hook: Hook, handle: number): Promise<void> {
  await must(host, 'nft', ['delete', 'rule', 'inet', table, hook, 'handle', String(handle)]);
}

/** The packets the `counter` of the rule with `handle` has counted so far. */
export async function nftCounter(host: Host, table: string, hook: Hook, handle: number): Promise<number> {
  const listing = JSON.parse(await must(host, 'nft', ['--json', 'list', 'chain', 'inet', table, hook])) as {
    nftables: Array<{ rule?: { handle: number; expr: Array<{ counter?: { packets: number } }> } }>;
  };
  const rule = listing.nftables.find((entry) => entry.rule?.handle === handle)?.rule;
  if (!rule) throw new Error(`host ${host.name} has no nft rule ${handle} in ${table} ${hook}`);
  return rule.expr.find((expr) => expr.counter)?.counter?.packets ?? 0;
}
