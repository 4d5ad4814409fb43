/**
 * @title Port versus PID: who holds this port?
 * @concept A port belongs to a socket and a PID to a process; the kernel links them only through
 *   descriptors, so "who holds port P" means: the sockets on P, their inodes, and every process
 *   with a descriptor for one of those inodes.
 * @notes #32-port-versus-pid-who-holds-this-port-08-port-vs-pid
 * @run npx tsx scripts/08-port-vs-pid.ts
 * @resource https://man7.org/linux/man-pages/man5/proc_pid_net.5.html
 * @resource https://man7.org/linux/man-pages/man5/proc_pid_fd.5.html
 * @resource https://nodejs.org/api/child_process.html#example-sending-a-server-object
 * @knobs SHARERS (helper processes the first listener is handed to; default 1)
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';

export async function main(sharers = Number(process.env.SHARERS ?? 1)): Promise<void> {
  if (process.platform !== 'linux') return console.log('lesson: reads /proc, which only Linux has');
  // socket() + bind() + listen() twice for TCP, socket() + bind() once for UDP: three sockets.
  const listeners = [createServer().listen(0, '127.0.0.1'), createServer().listen(0, '127.0.0.1')];
  const udp = createSocket('udp4').bind(0, '127.0.0.1');
  await Promise.all([...listeners, udp].map((socket) => once(socket, 'listening')));
  const tcpPorts = listeners.map((server) => (server.address() as AddressInfo).port);
  const ports = [...tcpPorts, udp.address().port];
  const sockets = ports.map((port, i) => ({ table: i < tcpPorts.length ? 'tcp' : 'udp', port }));
  console.log(`process: pid ${process.pid} holds tcp ${tcpPorts.join(' and ')}, udp ${ports[2]}`);

  // The kernel's tables list sockets, not processes: a row has the ports and an inode, no PID.
  const inodeOf = (table: string, port: number) => {
    const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`; // 127.0.0.1:port
    const rows = readFileSync(`/proc/net/${table}`, 'latin1').split('\n');
    const row = rows.map((line) => line.trim().split(/\s+/)).find((fields) => fields[1] === local);
    return row ? Number(row[9]) : undefined; // field 9 is the inode
  };
  // A process's descriptors are links in /proc/PID/fd; one to a socket reads socket:[inode], and
  // stat() follows it to the socket's inode (undefined: closed since the listing, like its own).
  const fdOf = (pid: number, inode?: number) =>
    readdirSync(`/proc/${pid}/fd`).find(
      (fd) => statSync(`/proc/${pid}/fd/${fd}`, { throwIfNoEntry: false })?.ino === inode,
    );
  for (const { table, port } of sockets) {
    const inode = inodeOf(table, port);
    console.log(`kernel: ${table} ${port} -> socket:[${inode}] -> fd ${fdOf(process.pid, inode)}`);
  }

  // Hand the first listener to helper processes: send() passes its descriptor over the IPC
  // channel (sendmsg() with SCM_RIGHTS), so each helper's table points at the same socket.
  const helperCode = `process.on('message', () => process.send('holding'));
    process.on('disconnect', () => process.exit());`;
  const helpers = [];
  for (let i = 0; i < sharers; i++) {
    const helper = spawn(process.execPath, ['-e', helperCode], { stdio: ['ignore', 1, 2, 'ipc'] });
    helper.send('here is a listener', listeners[0]);
    await once(helper, 'message');
    helpers.push(helper);
  }
  const shared = inodeOf('tcp', sockets[0].port);
  for (const [i, { pid }] of helpers.entries())
    console.log(`helper ${i + 1}: pid ${pid} holds socket:[${shared}] as fd ${fdOf(pid!, shared)}`);
  console.log(`port: ${tcpPorts[0]} is one socket in ${1 + helpers.length} processes`);

  // close(): the helpers exit when their IPC channel closes; then our own descriptors go.
  for (const helper of helpers) helper.disconnect();
  await Promise.all(helpers.map((helper) => once(helper, 'exit')));
  for (const socket of [...listeners, udp]) socket.close();
  await Promise.all([...listeners, udp].map((socket) => once(socket, 'close')));
  const left = sockets.filter(({ table, port }) => inodeOf(table, port) !== undefined).length;
  console.log(`kernel: all closed; ${left} of the ${sockets.length} ports left in /proc/net`);
}

// As a program: inside the project, the lab beside this file runs main() and shows the kernel's
// view of each step (scripts/lab/08-port-vs-pid.ts). Copied alone, the lesson runs by itself.
if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  import('./lab/08-port-vs-pid.ts').then(
    (lab) => lab.run(),
    () => main(),
  );
}
