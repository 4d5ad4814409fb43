/**
 * 08-port-vs-pid's lesson, run in a process of its own and watched from inside it: the lab starts
 * this module (with SHARERS as its argument) so that the lesson's PID is not the lab's. At each
 * step the lesson takes, the lookup runs here and now, while the lesson's sockets are open:
 * - each socket as soon as it is bound, before any helper holds the first listener;
 * - the port the lesson names as shared, once it says so (every helper holds it by then).
 * Then it reports what it saw over IPC; the lab looks the ports up once more after this exits.
 */
import type { AddressInfo } from 'node:net';
import { main } from '../08-port-vs-pid.ts';
import { heldByProcesses, type LessonRun, type ListenSpec } from '../lab/08-port-vs-pid.ts';
import { watchLesson } from '../lib/lab.ts';
import type { PortHolder } from '../lib/port-lookup.ts';

type Bound = ListenSpec & { port: number; holders: PortHolder[] };
const sharers = Number(process.argv[2]);
const bound: Bound[] = [];
let shared: PortHolder[] = [];

const record = (protocol: ListenSpec['protocol'], { address, port }: AddressInfo) =>
  bound.push({ protocol, host: address, port, holders: heldByProcesses(port, protocol) });

const lines = await watchLesson(() => main(sharers), {
  listening: (server) => record('tcp', server.address() as AddressInfo),
  datagram: (socket) => socket.once('listening', () => record('udp', socket.address())),
  printed(line) {
    const sharedPort = /^port: (\d+) is one socket in \d+ processes$/.exec(line)?.[1];
    if (sharedPort) shared = heldByProcesses(Number(sharedPort), 'tcp');
  },
});
// In the lesson's order, TCP before UDP, whichever was bound first.
const ports = [
  ...bound.filter(({ protocol }) => protocol === 'tcp'),
  ...bound.filter(({ protocol }) => protocol === 'udp'),
];
const run: LessonRun = {
  childPid: process.pid,
  ports: ports.map(({ protocol, host, port }) => ({ protocol, host, port })),
  alone: ports.map(({ holders }) => holders),
  helperPids: lines.flatMap((line) => /^helper \d+: pid (\d+) /.exec(line)?.[1] ?? []).map(Number),
  shared,
};
process.send?.(run);
