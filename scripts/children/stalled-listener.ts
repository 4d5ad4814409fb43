/**
 * The stalled listener's server (scripts/lib/stalled-listener.ts), in a process of its own so that
 * SIGSTOP can freeze it: it listens with the backlog it is given and reports each connection
 * accept() hands it. Run as `node stalled-listener.ts HOST BACKLOG`; it talks back over IPC.
 */
import { type AddressInfo, createServer } from 'node:net';

const [host, backlog] = process.argv.slice(2);
const report = (message: unknown) => process.send?.(message);

const server = createServer((accepted) => {
  accepted.on('error', () => {}); // a client may reset; the lesson is the accept, not the close
  report({ accepted: accepted.remotePort });
});
server.on('error', (error: NodeJS.ErrnoException) => report({ failed: error.code }));
// socket() + bind() + listen(backlog): the queue a lab fills while this process is stopped.
server.listen({ host, port: 0, backlog: Number(backlog) }, () =>
  report({ listening: (server.address() as AddressInfo).port }),
);
