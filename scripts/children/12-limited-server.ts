/**
 * 12-many-clients' echo server for the EMFILE step, with the lesson's own echo, run under a
 * lowered descriptor limit (`prlimit --nofile=N:N node 12-limited-server.ts`). It reports over
 * IPC the events Node gave it: connections open, 'connection' events and 'error' events so far;
 * on any message it answers with the same report. Its descriptors the parent reads from
 * /proc/PID/fd: with the table full, this process could not open the folder to list it.
 */
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { echo } from '../12-many-clients.ts';

const report = (message: unknown) => process.send?.(message);
const open = new Set<Socket>();
let accepted = 0;
let serverErrors = 0;

const state = () => ({ connections: open.size, accepted, serverErrors });

const server = createServer((socket) => {
  accepted++;
  open.add(socket);
  echo(socket);
  socket.on('close', () => open.delete(socket));
});
server.on('error', () => serverErrors++);
server.listen({ host: '127.0.0.1', port: 0 }, () =>
  // Our own pid: the parent started a command (prlimit, maybe under strace) that may not be this process.
  report({ listening: (server.address() as AddressInfo).port, pid: process.pid, ...state() }),
);
process.on('message', () => report(state()));
// The demo's end: the parent goes, the channel closes, and so does this server.
process.on('disconnect', () => {
  for (const socket of open) socket.destroy();
  server.close();
});
