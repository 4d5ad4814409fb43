/**
 * Two hosts joined by a link, made of network namespaces (Linux, as root): each host is a Node
 * process alone in a namespace of its own (scripts/children/host.ts), and a veth pair joins the
 * two. Both get documentation addresses only, 192.0.2.0/24 and 2001:db8::/64, so no packet can
 * leave them. The machine's own namespace is never touched; stopping the hosts (or the script
 * dying) ends both processes, and their namespaces, links and nft rules go with them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { nodeArgsFor } from './child.ts';
import { findTool, type ToolResult } from './tools.ts';
import { within } from './wait.ts';

const HOST_PROGRAM = new URL('../children/host.ts', import.meta.url);
const TOOLS = new URL('./tools.ts', import.meta.url);
const START_MS = 10_000;
const CALL_MS = 20_000;

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
  /** Runs the exported function `fn` of `module` in this host and returns its result. */
  call<T>(module: URL, fn: string, ...args: unknown[]): Promise<T>;
  /** Runs an outside tool (ip, ss, nft) in this host; its exit code and output. */
  tool(name: string, args: readonly string[]): Promise<ToolResult>;
}

interface Reply {
  id?: number;
  value?: unknown;
  error?: string;
  code?: string;
  ready?: string;
}

async function startHost(spec: HostSpec, unshare: string): Promise<{ host: Host; child: ChildProcess }> {
  const child = spawn(unshare, ['--net', process.execPath, ...nodeArgsFor(fileURLToPath(HOST_PROGRAM))], {
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let ready: (namespace: string) => void = () => {};
  const started = new Promise<string>((resolve) => (ready = resolve));
  child.on('message', (reply: Reply) => {
    if (reply.ready) return ready(reply.ready);
    const waiter = pending.get(reply.id!);
    pending.delete(reply.id!);
    if (reply.error === undefined) waiter?.resolve(reply.value);
    else waiter?.reject(Object.assign(new Error(reply.error), { code: reply.code }));
  });
  const exited = once(child, 'exit').then(() => {
    const refused = stderr.trim().split('\n')[0] || 'the host process exited';
    throw new HostsUnavailable(`two hosts need network namespaces, which need root here (${refused})`);
  });
  exited.catch(() => {});
  const namespace = await within(Promise.race([started, exited]), START_MS, `host ${spec.name} to start`);
  let calls = 0;
  const host: Host = {
    ...spec,
    pid: child.pid!,
    namespace,
    call<T>(module: URL, fn: string, ...args: unknown[]): Promise<T> {
      const id = ++calls;
      const reply = new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      });
      child.send({ id, module: module.href, fn, args });
      return within(reply, CALL_MS, `host ${spec.name} to run ${fn}()`);
    },
    async tool(name: string, args: readonly string[]): Promise<ToolResult> {
      const path = await findTool(name);
      if (!path) throw new Error(`${name} is not installed`);
      return host.call<ToolResult>(TOOLS, 'runTool', path, args);
    },
  };
  return { host, child };
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
  const [unshare, ip] = await Promise.all([findTool('unshare'), findTool('ip')]);
  if (!unshare || !ip)
    throw new HostsUnavailable('two hosts need unshare and ip (apt-get install util-linux iproute2)');
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = once(child, 'exit');
          child.kill('SIGKILL');
          await exited;
        }
      }),
    );
  };
  try {
    const started = await Promise.all([HOST_A, HOST_B].map((spec) => startHost(spec, unshare)));
    children.push(...started.map(({ child }) => child));
    const [a, b] = started.map(({ host }) => host);
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
