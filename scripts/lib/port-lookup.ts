/**
 * Who holds port P on this machine (this network namespace): the lookup behind 08's `--port P`,
 * also used by 13 (which processes hold a shared listener) and 14 (one lookup per host). It goes
 * the way `ss -p` and `lsof -i` do: rows of /proc/net/{tcp,tcp6,udp,udp6} give each socket's
 * inode, and a scan of every /proc/PID/fd finds the descriptors that link to "socket:[inode]".
 * Linux only.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readDescriptorTable, socketInodeOf } from './descriptors.ts';
import { hasProcNet, parseTable, type SocketRow, type Table } from './proc-net.ts';

const TABLES: readonly Table[] = ['tcp', 'tcp6', 'udp', 'udp6'];
const PROTOCOL_ORDER = new Map(TABLES.map((table, i) => [table, i]));

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
