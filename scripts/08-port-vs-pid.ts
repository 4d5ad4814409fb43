/**
 * @title Port versus PID: who holds this port?
 * @concept A port belongs to a socket and a PID to a process; the kernel links them only through descriptors, so "who
 *   holds port P" means: the sockets on P, their inodes, and every process with a descriptor for one of those inodes.
 * @notes #32-port-versus-pid-who-holds-this-port-08-port-vs-pid
 * @run npx tsx scripts/08-port-vs-pid.ts
 * @resource https://man7.org/linux/man-pages/man5/proc_pid_net.5.html
 * @resource https://man7.org/linux/man-pages/man5/proc_pid_fd.5.html
 * @resource https://nodejs.org/api/child_process.html#subprocesssendmessage-sendhandle-options-callback
 * @knobs SHARERS
 *
 * The demo: a child process listens on two TCP ports and binds one UDP port; the lookup finds
 * the child's PID behind all three. Then the child hands its first listener to helper processes
 * over IPC, and that one port has several PIDs. When the children are gone, the ports are free.
 *
 * The lookup is also a tool: `--port P` answers "who is using port P?" for any socket on this
 * machine, TCP and UDP, IPv4 and IPv6, the way `ss -p` and `lsof -i` find out: rows of
 * /proc/net/{tcp,tcp6,udp,udp6} give each socket's inode, and a scan of every /proc/PID/fd
 * finds the descriptors that link to "socket:[inode]".
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import {
  defineScript,
  integerFlag,
  isMain,
  runScript,
  UsageError,
  type Line,
  defineKnobs,
  formatEndpoint,
} from './lib/cli.ts';
import { startNodeChild, type NodeChild } from './lib/child.ts';
import { hasProcNet, parseTable, type SocketRow, type Table } from './lib/proc-net.ts';
import { label } from './lib/mermaid.ts';
import { defineExercise } from './lib/questions.ts';
import { until } from './lib/wait.ts';
import { readDescriptorTable, socketInodeOf } from './lib/descriptors.ts';

const HOST = '127.0.0.1';
const STEP_TIMEOUT_MS = 3000;
const MAX_SHARERS = 8;
/** The exercise's knob: the same number and range as --sharers. */
export const KNOBS = defineKnobs({ SHARERS: { fallback: 1, min: 0, max: MAX_SHARERS } });
const { SHARERS } = KNOBS.knobs;
const TABLES: readonly Table[] = ['tcp', 'tcp6', 'udp', 'udp6'];
export const HIDDEN_OWNER = "owner hidden (another user's process; run as root to see)";
/** Even root may be refused (a process outside this user namespace, or guarded by a security module). */
const HIDDEN_FROM_ROOT = 'owner hidden (its process refuses even root a look at its descriptors)';

// ---- The lesson: a port names a socket, a PID a process; from one to the other ----------

/**
 * Who holds this port: every socket whose local port it is, in the tables asked (by default TCP
 * and UDP, IPv4 and IPv6), and the processes behind each.
 */
export function lookupPort(port: number, tables: readonly Table[] = TABLES): PortHolder[] {
  /* c8 ignore next -- the Linux-only refusal; CI runs on Linux */
  if (!hasProcNet) throw new Error('the lookup reads /proc/net and /proc/PID/fd, which only Linux has');
  // 1. The kernel's socket tables: the rows whose local port is P, each with its socket's inode, and no PID.
  const rows = tables.filter(tableExists).flatMap((table) => rowsWithLocalPort(table, port));
  if (rows.length === 0) return [];
  // 2. Every process's descriptor table: the PIDs with a descriptor linking to socket:[inode].
  const { holders, hiddenProcesses } = processesHoldingInodes(
    new Set(rows.map((row) => row.inode).filter((inode) => inode !== 0)),
  );
  return rows
    .map((row): PortHolder => {
      const pids = (holders.get(row.inode) ?? [])
        .sort((a, b) => a - b)
        .map((pid) => ({ pid, command: commandOf(pid) }));
      const owner =
        pids.length > 0 ? 'process' : row.inode === 0 ? 'kernel' : hiddenProcesses > 0 ? 'hidden' : 'unknown';
      return {
        protocol: row.table,
        localAddress: row.localAddress,
        localPort: row.localPort,
        state: stateOf(row),
        inode: row.inode,
        pids,
        owner,
      };
    })
    .sort(
      (a, b) =>
        PROTOCOL_ORDER.get(a.protocol)! - PROTOCOL_ORDER.get(b.protocol)! ||
        a.localAddress.localeCompare(b.localAddress) ||
        a.state.localeCompare(b.state) ||
        a.inode - b.inode,
    );
}

export async function observePortVsPid(sharers = 1): Promise<PortVsPidObservations> {
  const child = await startPortHolderChild([
    { protocol: 'tcp', host: HOST },
    { protocol: 'tcp', host: HOST },
    { protocol: 'udp', host: HOST },
  ]);
  // Each port in its own table, and only sockets a process holds: other programs' old connections
  // may linger in TIME_WAIT on the same port number, held by the kernel alone.
  const heldByProcesses = ({ protocol, port }: ListenSpec & { port: number }) =>
    lookupPort(port, [protocol]).filter((holder) => holder.owner !== 'kernel');
  try {
    // One PID behind three ports: two TCP listeners and a UDP socket, all bound by the child.
    const alone = child.ports.map(heldByProcesses);
    // Several PIDs behind one port: the child passes its listener's descriptor to helpers over IPC.
    const helperPids = await child.share(sharers);
    const shared = heldByProcesses(child.ports[0]);
    await child.stop();
    // The child is gone at once; its helpers notice their closed IPC channel a moment later.
    const afterExit = await until(
      () => {
        const lookups = child.ports.map(heldByProcesses);
        return lookups.every((holders) => holders.length === 0) ? lookups : undefined;
      },
      STEP_TIMEOUT_MS,
      'the ports to be free once the children exited',
    );
    return { ourPid: process.pid, childPid: child.pid, ports: child.ports, alone, helperPids, shared, afterExit };
  } finally {
    await child.stop(); // a second stop() of a child that has exited returns at once
  }
}

export interface PortOwner {
  pid: number;
  /** The process's command name, from /proc/PID/comm. */
  command: string;
}

export interface PortHolder {
  protocol: Table;
  localAddress: string;
  localPort: number;
  state: string;
  inode: number;
  pids: PortOwner[];
  /**
   * "process": the pids were found. "hidden": not found, and some processes' descriptor tables
   * were closed to this user. "kernel": inode 0, no descriptor at all (TIME_WAIT and the like).
   * "unknown": nobody visible holds it (it closed during the lookup, or its process lives in
   * another PID namespace).
   */
  owner: 'process' | 'hidden' | 'kernel' | 'unknown';
}

// ---- Step 1: the kernel's socket tables, rows whose local port is the one asked about ----

/** True when this kernel has the table: one booted without IPv6 has no tcp6 or udp6. */
const tableExists = (table: Table) => existsSync(`/proc/net/${table}`);

/** Reads one table and keeps the rows with this local port (parseTable decodes only rows with it at either end). */
function rowsWithLocalPort(table: Table, port: number): SocketRow[] {
  const text = readFileSync(`/proc/net/${table}`, 'latin1');
  return parseTable(table, text, [port]).filter((row) => row.localPort === port);
}

// ---- Step 2: every process's descriptor table, looking for those inodes ----

export interface InodeScan {
  /** inode -> the PIDs with a descriptor linking to socket:[inode]. */
  holders: Map<number, number[]>;
  /** How many processes' /proc/PID/fd this user may not read. */
  hiddenProcesses: number;
}

/**
 * Scans /proc/PID/fd of every process for descriptors of these socket inodes. The scan cannot
 * stop at the first hit: several processes may share one socket, so each one is read.
 */
export function processesHoldingInodes(inodes: ReadonlySet<number>): InodeScan {
  const holders = new Map<number, number[]>();
  let hiddenProcesses = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue; // not a process folder (cpuinfo, net, self, ...)
    const pid = Number(name);
    let table: ReturnType<typeof readDescriptorTable>;
    try {
      table = readDescriptorTable(pid);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') hiddenProcesses++;
      else if (code !== 'ENOENT') throw error; // ENOENT: the process exited while we looked
      continue;
    }
    const seenHere = new Set<number>();
    for (const { target } of table) {
      const inode = socketInodeOf(target);
      if (inode === undefined || !inodes.has(inode) || seenHere.has(inode)) continue;
      seenHere.add(inode); // one PID may hold a socket under several numbers (dup); list it once
      holders.set(inode, [...(holders.get(inode) ?? []), pid]);
    }
  }
  return { holders, hiddenProcesses };
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?'; // exited since the scan
  }
}

/** ss's word for an unconnected UDP socket; the kernel's table says 07 (CLOSE). */
function stateOf(row: SocketRow): string {
  return row.table.startsWith('udp') && row.state === 'CLOSE' ? 'UNCONN' : row.state;
}

const PROTOCOL_ORDER = new Map(TABLES.map((table, i) => [table, i]));

// ---- The demo: one child, three ports, then one port shared by several processes ----

export interface ListenSpec {
  protocol: 'tcp' | 'udp';
  host: string;
}

export interface PortHolderChild {
  pid: number;
  /** What the child listens on, in the order asked for, each with the port the kernel chose. */
  ports: Array<ListenSpec & { port: number }>;
  /** Starts `count` helpers and hands each the child's first TCP listener; resolves with their PIDs. */
  share(count: number): Promise<number[]>;
  stop(): Promise<void>;
}

/** The child and its helpers, modules of their own: see children/08-port-holder.ts. */
const PORT_HOLDER = new URL('./children/08-port-holder.ts', import.meta.url);

/** Starts a child that listens as `specs` say; stopping it also ends its helpers (their IPC channel closes). */
export async function startPortHolderChild(specs: readonly ListenSpec[]): Promise<PortHolderChild> {
  const child: NodeChild = await startNodeChild({ module: PORT_HOLDER, args: [JSON.stringify(specs)] });
  try {
    const { ports } = await child.next<{ ports: PortHolderChild['ports'] }>(STEP_TIMEOUT_MS, 'the child to listen');
    return {
      pid: child.pid,
      ports,
      async share(count: number): Promise<number[]> {
        child.send({ share: count });
        return (
          await child.next<{ helpers: number[] }>(STEP_TIMEOUT_MS * (1 + count), 'the helpers to hold the listener')
        ).helpers;
      },
      stop: () => child.stop(),
    };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

export interface PortVsPidObservations {
  ourPid: number;
  childPid: number;
  ports: Array<ListenSpec & { port: number }>;
  /** The lookup of each port while only the child holds it. */
  alone: PortHolder[][];
  helperPids: number[];
  /** The lookup of the shared port once the helpers hold its listener too. */
  shared: PortHolder[];
  /** The lookup of each port after the child and its helpers are gone. */
  afterExit: PortHolder[][];
}

// ---- Rendering ----

const specText = ({ host, port }: ListenSpec & { port: number }) => formatEndpoint({ address: host, port });

function ownersText(holder: PortHolder): string {
  if (holder.owner === 'process') return holder.pids.map(({ pid, command }) => `pid ${pid} (${command})`).join(', ');
  // The kernel checks the effective uid (and capabilities) when a process reads another's descriptors.
  if (holder.owner === 'hidden') return process.geteuid!() === 0 ? HIDDEN_FROM_ROOT : HIDDEN_OWNER;
  if (holder.owner === 'kernel') return 'no process: the kernel keeps this socket without a descriptor';
  return 'no process found (closed during the lookup, or held in another PID namespace)';
}

function holderLine(holder: PortHolder): Line {
  return [
    holder.protocol,
    `${formatEndpoint({ address: holder.localAddress, port: holder.localPort })} ${holder.state}, inode ` +
      `${holder.inode}: ${ownersText(holder)}`,
  ];
}

export function renderLookup(port: number, holders: readonly PortHolder[]): Line[] {
  if (holders.length === 0)
    return [['port', `port ${port}: nobody holds it (no TCP or UDP socket, IPv4 or IPv6, has it as its local port)`]];
  return [
    ['port', `port ${port}: ${holders.length} socket${holders.length === 1 ? '' : 's'}`],
    ...holders.map(holderLine),
  ];
}

export function renderPortVsPid(seen: PortVsPidObservations): Line[] {
  const [first, second, third] = seen.ports;
  const lines: Line[] = [
    ['parent', `pid ${seen.ourPid} (this process)`],
    [
      'child',
      `pid ${seen.childPid} listens on ${specText(first)} and ${specText(second)} (tcp), and binds ` +
        `${specText(third)} (udp)`,
    ],
  ];
  lines.push(...seen.alone.flat().map(holderLine));
  const isOurPid = seen.childPid === seen.ourPid;
  const isAPort = seen.ports.some(({ port }) => port === seen.childPid);
  lines.push([
    'pid',
    `one PID behind three ports; it is ${isOurPid ? '' : 'not '}our PID and ${isAPort ? '' : 'not '}one of the ` +
      `ports: a PID names a process, a port a socket`,
  ]);
  for (const pid of seen.helperPids)
    lines.push(['helper', `pid ${pid} received the listener of port ${first.port} over IPC`]);
  lines.push(...seen.shared.map(holderLine));
  const sharedPids = seen.shared.flatMap((holder) => holder.pids).length;
  lines.push(['port', `port ${first.port}: one socket, one inode, ${sharedPids} PID${sharedPids === 1 ? '' : 's'}`]);
  lines.push(['child', 'the child and its helpers exited']);
  for (const [i, holders] of seen.afterExit.entries()) lines.push(...renderLookup(seen.ports[i].port, holders));
  return lines;
}

// ---- Command line: the demo, or the tool with --port ----

/** With --port the observations are the lookup's answer itself, so that --json prints exactly that array. */
type Observations = PortVsPidObservations | PortHolder[];

/** From each socket on the port to its inode and to every process holding it, as a Mermaid flowchart. */
export function mermaidHolders(holders: readonly PortHolder[]): string[] {
  const lines = ['flowchart LR'];
  holders.forEach((holder, i) => {
    const socket = `${holder.protocol} ${formatEndpoint({ address: holder.localAddress, port: holder.localPort })}`;
    lines.push(`    S${i}[${label(`${socket} ${holder.state}`)}] --> I${i}[${label(`socket:[${holder.inode}]`)}]`);
    if (holder.pids.length === 0) lines.push(`    I${i} --> N${i}[${label(ownersText(holder))}]`);
    const owners = holder.pids.map(({ pid, command }, j) => `P${i}_${j}[${label(`pid ${pid} (${command})`)}]`);
    lines.push(...owners.map((owner) => `    I${i} -- "a descriptor in /proc/PID/fd" --> ${owner}`));
  });
  return lines;
}

/** Predict, then run: `npm run exercise -- 08`. */
export const EXERCISE = defineExercise({
  knobs: KNOBS,
  observe: ({ SHARERS }) => observePortVsPid(SHARERS),
  questions: [
    {
      id: 'pids-on-port',
      kind: 'number',
      ask: ({ SHARERS }) =>
        `A process listens on a port and starts ${SHARERS} helper processes that inherit the listening socket. ` +
        'How many PIDs does the lookup find on that port?',
      measure: ({ shared }) => new Set(shared.flatMap((holder) => holder.pids.map(({ pid }) => pid))).size,
      why: ({ shared }) =>
        `one socket (inode ${shared[0]?.inode ?? '?'}) and every process whose descriptor table points at it`,
    },
    {
      id: 'udp-state',
      kind: 'choice',
      ask: () =>
        'The same process also binds a UDP port. Which state does the lookup show for that UDP socket (the ' +
        'word ss uses)?',
      options: [
        ['LISTEN', 'LISTEN'],
        ['UNCONN', 'UNCONN'],
        ['ESTABLISHED', 'ESTABLISHED'],
      ],
      measure: ({ alone }) => alone[2][0]?.state ?? { unmeasured: 'the UDP port was not found' },
      why: () => 'UDP has no listen() and no connection: a bound UDP socket that is not connected is UNCONN',
    },
    {
      id: 'after-exit',
      kind: 'number',
      ask: () => 'The process and its helpers exit. How many sockets does the lookup still find on their ports?',
      measure: ({ afterExit }) => afterExit.flat().length,
      why: () => "a process's descriptors are closed when it exits, and a listener closed by its last holder is gone",
    },
  ],
});

/** The command line, exported so tests can run it in-process. */
export const cli = defineScript<Observations>({
  usage: `
Usage: npx tsx scripts/08-port-vs-pid.ts [--sharers N] [--json | --mermaid]
       npx tsx scripts/08-port-vs-pid.ts --port P [--json]

Without --port: a demo. A child process listens on two TCP ports and binds one UDP port on
${HOST}; all three lead to the child's PID. Then the child hands its first listener to N
helper processes (--sharers, 0 to ${MAX_SHARERS}, default 1), and that port has N+1 PIDs.

With --port P: who is using port P on this machine? Every TCP and UDP socket, IPv4 and IPv6,
whose local port is P, with its local address, state, inode, and the PID and command name of
each process holding it. Exit code 1 when nobody holds the port. Linux only; run as root to
see other users' processes.

--port P      look up port P (1 to 65535)
--sharers N   demo: processes that share the first listener (default 1)
--json        print one JSON document: with --port, an array of
              {protocol, localAddress, localPort, state, inode, pids: [{pid, command}], owner}
--mermaid     print a Mermaid diagram of the port's sockets and their processes`,
  flags: { port: { type: 'string' }, sharers: { type: 'string' } },
  async demo(values): Promise<Observations> {
    if (values.port === undefined) {
      const sharers =
        values.sharers === undefined ? SHARERS.fallback : integerFlag(values, 'sharers', SHARERS.min, SHARERS.max);
      return observePortVsPid(sharers);
    }
    const port = integerFlag(values, 'port', 1, 65535);
    if (values.sharers !== undefined) throw new UsageError('--sharers belongs to the demo, not to --port');
    return lookupPort(port);
  },
  render: (seen, values) => (Array.isArray(seen) ? renderLookup(Number(values.port), seen) : renderPortVsPid(seen)),
  mermaid: (seen) => mermaidHolders(Array.isArray(seen) ? seen : seen.shared),
  // Like lsof: a lookup that finds nobody exits 1.
  exitCode: (seen) => (Array.isArray(seen) && seen.length === 0 ? 1 : 0),
});

if (isMain(import.meta.url)) await runScript(cli);
