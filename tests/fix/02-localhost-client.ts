/**
 * Check for scripts/fix/02-localhost-client.ts: a server on 127.0.0.1, and the client run where
 * "localhost" names ::1 first, as on many systems. The client runs in a mount namespace of its own
 * whose /etc/hosts says so; this machine's own /etc/hosts is never touched.
 */
import { createServer, type AddressInfo } from 'node:net';
import { defineCheck } from '../../scripts/lib/fix-check.ts';
import { LOCALHOST_IPV6_FIRST, ownHostsFile, refusal } from '../../scripts/lib/hosts-file.ts';
import { onceWithin } from '../../scripts/lib/wait.ts';
import { START_MS, startProgram, tail } from '../lib/program.ts';

const RUN_MS = START_MS;
const GREETING = 'hello from 127.0.0.1';

export const CHECK = defineCheck({
  hint: 'ask which addresses "localhost" stands for here, in which order, and which one the server holds',
  notes: '#21-bind-gives-a-socket-its-address-02-bind',
  async check(file) {
    const hosts = await ownHostsFile(LOCALHOST_IPV6_FIRST);
    if (!hosts) return { cannotCheck: 'unshare is not installed (apt-get install util-linux)' };
    const server = createServer((socket) => socket.end(`${GREETING}\n`));
    server.listen(0, '127.0.0.1');
    try {
      await onceWithin(server, 'listening', RUN_MS, 'the greeting server');
      const { port } = server.address() as AddressInfo;
      const program = startProgram(file, [String(port)], hosts.wrapper);
      const exit = await program.exit(RUN_MS);
      await program.stop();
      const refused = refusal(program.transcript());
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
      await hosts.remove();
    }
  },
});
