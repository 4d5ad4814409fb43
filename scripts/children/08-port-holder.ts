/**
 * A child for the tests of 08's `--port` tool (the lesson does its own binding and sharing): it
 * binds what the first argument (JSON: [{protocol, host}, ...]) asks for, IPv6 too, reports the
 * ports the kernel chose, and on request starts helper processes and hands each of them its first
 * TCP listener over IPC (`send(message, server)` passes the descriptor along). Then several PIDs
 * hold one socket, for ss and lsof to name as the tool does.
 */
import { fork } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import type { ListenSpec } from '../lab/08-port-vs-pid.ts';

const specs = JSON.parse(process.argv[2]) as ListenSpec[];
const report = (message: unknown) => process.send?.(message);
const HELPER = new URL('./08-port-holder-helper.ts', import.meta.url);

/** socket() + bind() (+ listen() for TCP) on port 0, as `spec` says. */
function open(spec: ListenSpec): Promise<Server | UdpSocket> {
  return new Promise((resolve) => {
    if (spec.protocol === 'tcp') {
      const server = createServer().listen(0, spec.host, () => resolve(server));
    } else {
      const socket = createSocket(spec.host.includes(':') ? 'udp6' : 'udp4');
      socket.bind(0, spec.host, () => resolve(socket));
    }
  });
}

/** Starts one helper, passes it `listener`, and resolves with its PID once it holds it. */
function startHelper(listener: Server): Promise<number> {
  return new Promise((resolve) => {
    // fork() runs the helper with this process's Node and flags, so it loads as this module did.
    const helper = fork(HELPER, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    helper.once('message', () => resolve(helper.pid!));
    helper.send('here is a listener', listener);
  });
}

const handles = await Promise.all(specs.map(open));
const portOf = (handle: Server | UdpSocket) => (handle.address() as { port: number }).port;
report({ ports: handles.map((handle, i) => ({ ...specs[i], port: portOf(handle) })) });
const listener = handles[specs.findIndex((spec) => spec.protocol === 'tcp')] as Server;
process.on('message', async ({ share }: { share: number }) => {
  const pids: number[] = [];
  for (let i = 0; i < share; i++) pids.push(await startHelper(listener));
  report({ helpers: pids });
});
