/**
 * 02-bind's unprivileged side: started as root, it becomes the uid and gid of the first argument
 * (nobody), which drops its capabilities, then tries to listen on the port the parent sends it and
 * reports what the kernel said, with its /proc/self/status for the capability sets.
 */
import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';

const uid = Number(process.argv[2]);
process.setgroups!([]);
process.setgid!(uid);
process.setuid!(uid);
const status = readFileSync('/proc/self/status', 'utf8');

process.once('message', ({ port, host }: { port: number; host: string }) => {
  const server = createServer();
  const report = (result: unknown) => process.send?.({ uid: process.getuid!(), status, result });
  server.once('error', (error: NodeJS.ErrnoException) =>
    report({ ok: false, code: error.code, syscall: error.syscall }),
  );
  // bind() below ip_unprivileged_port_start: EACCES now that the capability is gone.
  server.listen(port, host, () => {
    const { address } = server.address() as AddressInfo;
    server.close(() => report({ ok: true, address, port }));
  });
});
process.send?.('ready');
