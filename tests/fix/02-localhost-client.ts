/**
 * Check for scripts/fix/02-localhost-client.ts: a server on 127.0.0.1, and the client run where
 * "localhost" names ::1 first, as on many systems. The client runs in a mount namespace of its own
 * whose /etc/hosts says so; this machine's own /etc/hosts is never touched.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineCheck } from '../../scripts/lib/fix-check.ts';
import { findTool } from '../../scripts/lib/tools.ts';
import { onceWithin } from '../../scripts/lib/wait.ts';
import { START_MS, startProgram, tail } from '../lib/program.ts';

const RUN_MS = START_MS;
const GREETING = 'hello from 127.0.0.1';
/** The order of many distributions' /etc/hosts, and what glibc returns first for "localhost" then. */
const HOSTS = '::1 localhost\n127.0.0.1 localhost\n';

export const CHECK = defineCheck({
  hint: 'ask which addresses "localhost" stands for here, in which order, and which one the server holds',
  notes: '#21-bind-gives-a-socket-its-address-02-bind',
  async check(file) {
    const unshare = await findTool('unshare');
    if (!unshare) return { cannotCheck: 'unshare is not installed (apt-get install util-linux)' };
    const scratch = await mkdtemp(join(tmpdir(), 'fix-localhost-'));
    const hosts = join(scratch, 'hosts');
    await writeFile(hosts, HOSTS);
    const server = createServer((socket) => socket.end(`${GREETING}\n`));
    server.listen(0, '127.0.0.1');
    try {
      await onceWithin(server, 'listening', RUN_MS, 'the greeting server');
      const { port } = server.address() as AddressInfo;
      // In the shell, "$0" is the hosts file and "$@" the program.
      const inOwnHosts = [
        unshare,
        '--mount',
        '--map-root-user',
        'sh',
        '-c',
        'mount --bind "$0" /etc/hosts && exec "$@"',
        hosts,
      ];
      const program = startProgram(file, [String(port)], inOwnHosts);
      const exit = await program.exit(RUN_MS);
      await program.stop();
      const refused = /^(unshare|mount): .*$/m.exec(program.transcript())?.[0];
      if (refused) return { cannotCheck: `no mount namespace here (${refused})` };
      const greeted = program.transcript().includes(GREETING);
      if (greeted && exit?.code === 0)
        return { passed: true, saw: `with ::1 first for localhost, it reached the server: ${tail(program, 2)}` };
      const ending = exit ? `exit code ${exit.code}` : `still running after ${RUN_MS / 1000} s`;
      return {
        passed: false,
        saw: `server on 127.0.0.1, localhost is ::1 first here: ${tail(program, 2)} (${ending})`,
      };
    } finally {
      server.close();
      await rm(scratch, { recursive: true, force: true });
    }
  },
});
