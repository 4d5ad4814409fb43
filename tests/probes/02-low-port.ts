/**
 * Run by tests/02-bind.test.ts as uid 0 with CAP_NET_BIND_SERVICE dropped from its bounding set:
 * tries to listen on the port of its first argument and prints one JSON line with its uid, its
 * /proc/self/status (the capability sets) and what the kernel answered.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const port = Number(process.argv[2]);
const status = readFileSync('/proc/self/status', 'utf8');
const report = (result: unknown) => console.log(JSON.stringify({ uid: process.getuid!(), status, result }));
const server = createServer();
server.once('error', (error: NodeJS.ErrnoException) => report({ ok: false, code: error.code }));
server.listen(port, '127.0.0.1', () => server.close(() => report({ ok: true })));
