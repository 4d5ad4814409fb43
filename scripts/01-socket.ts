/**
 * @title What a socket is: one connection, two ends
 * @concept A socket is one end of a conversation: an (IP address, port) pair held by a process,
 *   and the process has a PID that is not a port.
 * @notes #11-one-connection-two-ends-01-socket
 * @run npx tsx scripts/01-socket.ts
 * @resource https://nodejs.org/api/net.html#class-netsocket
 * @resource https://man7.org/linux/man-pages/man7/ip.7.html
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';

/** The server's end, in a process of its own: main() runs this same file again with 'server'. */
function serve(): void {
  // socket() + bind() + listen(), all inside listen(); port 0 lets the kernel pick a free port.
  const server = createServer((socket) => {
    // A 'connection' is one accept4(): a new socket, this process's end of the connection.
    const { localAddress, localPort, remoteAddress, remotePort } = socket;
    process.send?.({ accepted: { localAddress, localPort, remoteAddress, remotePort } });
    // read() the question, write() our PID and end() = shutdown(SHUT_WR); stop listening.
    socket.once('data', () => {
      socket.end(`pid ${process.pid}`);
      server.close();
    });
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ listening: server.address() }));
}

export async function main(): Promise<void> {
  // fork() is clone() + execve(): a second Node process. It reports its steps over a Unix
  // socketpair (fork()'s IPC channel), and this process prints them as the server's lines.
  const server = fork(import.meta.filename, ['server']);
  const exited = once(server, 'exit'); // heard from the start: it exits when its job is done
  const [{ listening }] = await once(server, 'message');
  const { address, port } = listening;
  console.log(`server: pid ${server.pid} listens on ${address}:${port}`);

  // The client's socket() + connect(): the kernel gives this end an IP (by the route) and a port.
  const accepted = once(server, 'message'); // heard before connecting, so it cannot come too soon
  const client = createConnection({ host: address, port });
  await once(client, 'connect');
  console.log(
    `client: pid ${process.pid} connects from ${client.localAddress}:${client.localPort} ` +
      `to ${client.remoteAddress}:${client.remotePort}`,
  );
  const [{ accepted: end }] = await accepted;
  console.log(
    `server: accepted a client: this end ${end.localAddress}:${end.localPort}, ` +
      `the other end ${end.remoteAddress}:${end.remotePort}`,
  );

  // write() a question, read() the answer: a connection carries no PID unless a program sends it.
  client.setEncoding('utf8').write('who are you?');
  const [answer] = await once(client, 'data');
  console.log(`client: asked "who are you?" and heard "${answer}"`);

  // end() is shutdown(SHUT_WR), our FIN; the server sent its own with the answer.
  client.end();
  await once(client, 'close');
  // Its listener and socket closed, nothing keeps the server process alive (the IPC channel
  // does not, while it has no 'message' or 'disconnect' listener) and it exits.
  const [code] = await exited;
  console.log(`server: pid ${server.pid} closed its sockets and exited with code ${code}`);
}

// The server's process: started by fork() above, it has the IPC channel (process.send).
if (process.argv[2] === 'server' && process.send) serve();
// As a program: inside the project, the lab beside this file runs main() and shows the kernel's
// view of each step (scripts/lab/01-socket.ts). Copied alone, the lesson runs by itself.
else if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  import('./lab/01-socket.ts').then(
    (lab) => lab.run(),
    () => main(),
  );
}
