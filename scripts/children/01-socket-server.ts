/**
 * The server's side of 01-socket, run by it as a child process so that each end of the
 * connection lives in a process of its own: listen, accept one client, answer its question with
 * this process's PID, and report each step to the parent over Node's IPC channel.
 */
import { createServer } from 'node:net';

const [host] = process.argv.slice(2);
const report = (message: unknown) => process.send?.(message);

// socket() + bind() + listen(), then accept(): the 'connection' event hands us the new socket.
const server = createServer((accepted) => {
  const { localAddress, localPort, remoteAddress, remotePort } = accepted;
  report({ accepted: { localAddress, localPort, remoteAddress, remotePort } });
  // read() the client's question, write() the answer, then close: one client is the whole job.
  accepted.once('data', () => {
    accepted.end(`pid ${process.pid}`);
    server.close();
  });
});
server.listen(0, host, () => report({ listening: server.address() }));
