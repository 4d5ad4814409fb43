/**
 * Reads the kernel's socket tables, /proc/net/{tcp,tcp6,udp,udp6}: one row per socket in this
 * network namespace, with its addresses, state, queue lengths, owner uid and inode. This is the
 * same table `ss` and `netstat` read; it is Linux only.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';

export type Table = 'tcp' | 'tcp6' | 'udp' | 'udp6';

/** The kernel's numbering of TCP states (include/net/tcp_states.h). UDP uses 01 when connected, 07 otherwise. */
export const TCP_STATES: Readonly<Record<number, string>> = {
  0x01: 'ESTABLISHED',
  0x02: 'SYN_SENT',
  0x03: 'SYN_RECV',
  0x04: 'FIN_WAIT1',
  0x05: 'FIN_WAIT2',
  0x06: 'TIME_WAIT',
  0x07: 'CLOSE',
  0x08: 'CLOSE_WAIT',
  0x09: 'LAST_ACK',
  0x0a: 'LISTEN',
  0x0b: 'CLOSING',
  0x0c: 'NEW_SYN_RECV',
};

export interface SocketRow {
  table: Table;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  state: string;
  /** Bytes waiting to be sent (TCP), or queued datagram bytes (UDP). */
  txQueue: number;
  /** Bytes waiting to be read; for a listening TCP socket, the number of connections waiting for accept(). */
  rxQueue: number;
  uid: number;
  inode: number;
  /** UDP only: datagrams this socket dropped (receive buffer full and the like). */
  drops?: number;
}

/** The kernel prints each 32-bit word of an address in host byte order. */
function wordBytes(hexWord: string): Buffer {
  const bytes = Buffer.from(hexWord, 'hex');
  return endianness() === 'LE' ? bytes.reverse() : bytes;
}

/** Shortens eight 16-bit groups the usual way: the longest run of two or more zero groups becomes "::". */
function formatIPv6(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < groups.length; start++) {
    let length = 0;
    while (groups[start + length] === 0) length++;
    if (length > bestLength) [bestStart, bestLength] = [start, length];
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** Decodes "0100007F:1F90" (IPv4) or a 32-digit IPv6 form into an address and port. */
export function decodeEndpoint(field: string): { address: string; port: number } {
  const [hexAddress, hexPort] = field.split(':');
  const port = parseInt(hexPort, 16);
  if (hexAddress.length === 8) return { address: [...wordBytes(hexAddress)].join('.'), port };
  const bytes = Buffer.concat([0, 8, 16, 24].map((offset) => wordBytes(hexAddress.slice(offset, offset + 8))));
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  const isV4Mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  const address = isV4Mapped ? `::ffff:${[...bytes.subarray(12)].join('.')}` : formatIPv6(groups);
  return { address, port };
}

/**
 * Parses the text of one /proc/net table (header line included), one row per socket.
 *
 * The kernel writes the table a page at a time and resumes each page at (hash bucket, offset in
 * the bucket). A socket added meanwhile to the head of the bucket it stopped in pushes the rows
 * already written one place down, so the last of them is written a second time. Such a copy has
 * the same addresses and inode as its original, and is dropped here.
 *
 * With `ports`, only the rows whose local or remote port is one of them. The others are skipped
 * before they are decoded: a table can hold thousands of TIME_WAIT rows, and scripts read it often.
 */
export function parseTable(table: Table, text: string, ports?: readonly number[]): SocketRow[] {
  const seen = new Set<string>();
  // Each address is written "ADDRESS:PORT" with the port in 4 upper-case hex digits, then a space.
  const portFields = ports?.map((port) => `:${port.toString(16).toUpperCase().padStart(4, '0')} `);
  return text
    .split('\n')
    .slice(1)
    .filter((line) => portFields === undefined || portFields.some((field) => line.includes(field)))
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => {
      if (fields.length < 10) return false; // a blank line
      const key = `${fields[1]} ${fields[2]} ${fields[9]}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((fields) => {
      const local = decodeEndpoint(fields[1]);
      const remote = decodeEndpoint(fields[2]);
      const [txQueue, rxQueue] = fields[4].split(':').map((hex) => parseInt(hex, 16));
      const row: SocketRow = {
        table,
        localAddress: local.address,
        localPort: local.port,
        remoteAddress: remote.address,
        remotePort: remote.port,
        state: TCP_STATES[parseInt(fields[3], 16)] ?? `0x${fields[3]}`,
        txQueue,
        rxQueue,
        uid: Number(fields[7]),
        inode: Number(fields[9]),
      };
      if (table.startsWith('udp')) row.drops = Number(fields[12]);
      return row;
    })
    .filter((row) => ports === undefined || ports.includes(row.localPort) || ports.includes(row.remotePort));
}

/**
 * Reads one table of this network namespace; an absent table (IPv6 disabled) reads as empty. With
 * `ports`, only the rows whose local or remote port is one of them.
 */
export async function readTable(table: Table, ports?: readonly number[]): Promise<SocketRow[]> {
  return parseTable(table, await readFile(`/proc/net/${table}`, 'utf8').catch(absentAsEmpty), ports);
}

/**
 * Parses the rows of one table whose socket is one of `inodes` (a process's sockets, from its
 * descriptors). Like `ports`, the other lines are skipped before they are decoded: a checker that
 * waits for a process to listen reads the table every few milliseconds.
 */
export function parseTableOfInodes(table: Table, text: string, inodes: ReadonlySet<number>): SocketRow[] {
  const [header, ...lines] = text.split('\n');
  // The inode is a decimal field between spaces; a line with those digits in another field is
  // decoded, then dropped by the exact test.
  const fields = [...inodes].map((inode) => ` ${inode} `);
  const kept = lines.filter((line) => fields.some((field) => line.includes(field)));
  return parseTable(table, [header, ...kept].join('\n')).filter((row) => inodes.has(row.inode));
}

/** Reads one table's rows whose socket is one of `inodes` (see parseTableOfInodes). */
export async function readTableOfInodes(table: Table, inodes: ReadonlySet<number>): Promise<SocketRow[]> {
  return parseTableOfInodes(table, await readFile(`/proc/net/${table}`, 'utf8').catch(absentAsEmpty), inodes);
}

/** An absent table (no IPv6 in this kernel) reads as an empty one. */
function absentAsEmpty(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return '';
  throw error;
}

/**
 * readTable without waiting for the event loop: a lab reads the table inside the event that marks
 * a lesson's step, so the rows are the kernel's at that very step, before the lesson moves on.
 */
export function readTableNow(table: Table, ports?: readonly number[]): SocketRow[] {
  let text: string;
  try {
    text = readFileSync(`/proc/net/${table}`, 'utf8');
  } catch (error) {
    text = absentAsEmpty(error as NodeJS.ErrnoException);
  }
  return parseTable(table, text, ports);
}

/** The rows of several tables, in the order given. */
export async function readTables(tables: readonly Table[]): Promise<SocketRow[]> {
  return (await Promise.all(tables.map((table) => readTable(table)))).flat();
}

/** Reads one of the kernel's tunables under /proc/sys, such as "net/core/somaxconn", as text. */
export async function readSysctl(path: string): Promise<string> {
  return (await readFile(`/proc/sys/${path}`, 'utf8')).trim();
}

/** A sysctl as a number, or `fallback` on a kernel that does not have it. */
export async function sysctlNumber(path: string, fallback: number): Promise<number> {
  try {
    return Number(await readSysctl(path));
  } catch {
    return fallback;
  }
}

/** True on Linux, where /proc/net exists; scripts say so in one line elsewhere. */
export const hasProcNet = process.platform === 'linux';

const COUNTER_FILES = ['/proc/net/snmp', '/proc/net/netstat'];

/**
 * Reads the namespace-wide counters of /proc/net/snmp and /proc/net/netstat as
 * { "TcpExt.ListenOverflows": 3, "Udp.RcvbufErrors": 0, ... }.
 */
export async function readCounters(): Promise<Record<string, number>> {
  const files = await Promise.all(COUNTER_FILES.map((file) => readFile(file, 'utf8')));
  return parseCounters(files.join('\n'));
}

/** readCounters without waiting for the event loop, for a lab that reads inside a lesson's step (see readTableNow). */
export function readCountersNow(): Record<string, number> {
  return parseCounters(COUNTER_FILES.map((file) => readFileSync(file, 'utf8')).join('\n'));
}

/**
 * The counters in the text of /proc/net/snmp and /proc/net/netstat (one after the other, as `cat`
 * prints them): each protocol has a line of names followed by a line of values.
 */
export function parseCounters(text: string): Record<string, number> {
  const counters: Record<string, number> = {};
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const [protocol, ...names] = lines[i].split(/\s+/);
    const values = lines[i + 1].split(/\s+/).slice(1);
    for (const [j, name] of names.entries()) counters[`${protocol.replace(/:$/, '')}.${name}`] = Number(values[j]);
  }
  return counters;
}
