/**
 * A process's descriptor table, read from /proc/PID/fd (Linux): which numbers are open and what
 * each points at. 07 teaches it; 03 and 08 read it too.
 */
import { readdirSync, readlinkSync } from 'node:fs';

/** One open descriptor: its number and what the kernel says it points at ("socket:[123]", "/etc/hosts", "pipe:[9]"). */
export interface Descriptor {
  fd: number;
  target: string;
}

/**
 * Reads a process's descriptor table from /proc/PID/fd, lowest number first. Listing the folder
 * opens a descriptor of its own, which is closed again by the time we read the links; that one
 * (and any other that closes while we read) is left out. Throws EACCES for a process this user
 * may not inspect.
 */
export function readDescriptorTable(pid: number | 'self' = 'self'): Descriptor[] {
  const folder = `/proc/${pid}/fd`;
  const table: Descriptor[] = [];
  for (const name of readdirSync(folder)) {
    try {
      table.push({ fd: Number(name), target: readlinkSync(`${folder}/${name}`) });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return table.sort((a, b) => a.fd - b.fd);
}

/** The inode in a descriptor target "socket:[123]", or undefined for anything that is not a socket. */
export function socketInodeOf(target: string): number | undefined {
  const match = /^socket:\[(\d+)\]$/.exec(target);
  return match ? Number(match[1]) : undefined;
}

/**
 * What kind of open file a descriptor target names, in the words of its link: "socket", "pipe",
 * "eventpoll", "io_uring", "eventfd" (anon_inode:[…]), or "file" for a path.
 */
export function kindOf(target: string): string {
  return /^(?:anon_inode:\[?)?([a-z_]+)[:\]]/.exec(target)?.[1] ?? 'file';
}

/**
 * The descriptor behind a Node socket or server, or null where Node does not say (off Unix, or
 * before it has one). Node keeps it on the internal handle; it is the number the kernel handed
 * out (07-socket-descriptor finds the same number through /proc).
 */
export function descriptorOf(socketOrServer: object): number | null {
  const handle = (socketOrServer as { _handle?: { fd?: number } })._handle;
  return typeof handle?.fd === 'number' && handle.fd >= 0 ? handle.fd : null;
}
