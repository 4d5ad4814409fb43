/**
 * A program run with an /etc/hosts of our own: in a mount namespace of its own (unshare --mount,
 * as root or with unprivileged user namespaces), our file is bind-mounted over /etc/hosts, so
 * name lookups there read it, and this machine's /etc/hosts is never touched.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTool } from './tools.ts';

/** The order of many distributions' /etc/hosts: ::1 first for "localhost". */
export const LOCALHOST_IPV6_FIRST = '::1 localhost\n127.0.0.1 localhost\n';

export interface OwnHosts {
  /** The command to put in front of a program: it then runs with `contents` as /etc/hosts. */
  wrapper: string[];
  remove(): Promise<void>;
}

/** Writes `contents` to a file of ours and returns the wrapper that mounts it; undefined without unshare. */
export async function ownHostsFile(contents: string): Promise<OwnHosts | undefined> {
  const unshare = await findTool('unshare');
  if (!unshare) return undefined;
  const folder = await mkdtemp(join(tmpdir(), 'socket-notes-hosts-'));
  const hosts = join(folder, 'hosts');
  await writeFile(hosts, contents);
  // In the shell, "$0" is our hosts file and "$@" the program.
  const mountThenRun = 'mount --bind "$0" /etc/hosts && exec "$@"';
  return {
    wrapper: [unshare, '--mount', '--map-root-user', 'sh', '-c', mountThenRun, hosts],
    remove: () => rm(folder, { recursive: true, force: true }),
  };
}

/** The line unshare or mount printed when the namespace could not be made, if they did. */
export const refusal = (stderr: string) => /^(unshare|mount): .*$/m.exec(stderr)?.[0];
