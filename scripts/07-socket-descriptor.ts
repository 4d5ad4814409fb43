/**
 * @title A socket is a file descriptor
 * @concept Every socket a process opens is a small number in that process's descriptor table, the
 *   same table its ordinary files use, and the number leads to the socket's inode and its row in
 *   /proc/net/tcp.
 * @notes #31-a-socket-is-a-file-descriptor-07-socket-descriptor
 * @run npx tsx scripts/07-socket-descriptor.ts
 * @resource https://man7.org/linux/man-pages/man5/proc_pid_fd.5.html
 * @resource https://man7.org/linux/man-pages/man2/open.2.html
 * @resource https://man7.org/linux/man-pages/man2/accept.2.html
 * @knobs FILES
 */
import { once } from 'node:events';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';

export async function main(fileCount = Number(process.env.FILES ?? 1)): Promise<void> {
  if (!existsSync('/proc/net/tcp')) return console.log('process: this reads /proc: Linux only');
  // /proc/self/fd lists this process's open numbers; the lowest one missing is the next handed out.
  const lowestFree = () => {
    let fd = 0;
    while (existsSync(`/proc/self/fd/${fd}`)) fd++;
    return fd;
  };
  // /proc/net/tcp has a row per TCP socket (ports in hex); its tenth column is the socket's inode.
  // The one entry of /proc/self/fd that links to socket:[inode] is the socket's number.
  const find = (local: number, remote: number) => {
    const port = (n: number) => `:${n.toString(16).toUpperCase().padStart(4, '0')}`;
    const row = readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .find(([, from, to]) => from?.endsWith(port(local)) && to?.endsWith(port(remote)));
    const link = `socket:[${row?.[9]}]`;
    const fd = readdirSync('/proc/self/fd').find(
      (n) => existsSync(`/proc/self/fd/${n}`) && readlinkSync(`/proc/self/fd/${n}`) === link,
    );
    return `fd ${fd} -> ${link}, the socket of the row ${local} -> ${remote} in /proc/net/tcp`;
  };

  // listen() is socket() + bind() + listen(). libuv's first stream also opens a spare descriptor
  // on /dev/null (to shed connections if accept4() fails with EMFILE), so it may come first.
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  console.log(`server: listen(): ${find(port, 0)}`);
  // connect() makes the client's socket from the lowest free number; accept4() makes one more.
  const free = lowestFree();
  const client = connect(port, '127.0.0.1');
  await Promise.all([once(server, 'connection'), once(client, 'connect')]);
  console.log(`client: connect(), fd ${free} free: ${find(client.localPort!, port)}`);
  console.log(`server: accept4(): ${find(port, client.localPort!)}`);

  // open() takes its number from the same table: the lowest free one, as socket() does.
  const files: number[] = [];
  for (let i = 0; i < fileCount; i++) {
    const before = lowestFree();
    files.push(openSync(import.meta.filename, 'r'));
    console.log(`process: open() of this file, fd ${before} free: fd ${files[i]}`);
  }
  // close() gives the number back, and the next socket() takes it.
  closeSync(files[0]);
  console.log(`process: close(fd ${files[0]}); the lowest free number is fd ${lowestFree()}`);
  const second = connect(port, '127.0.0.1');
  await Promise.all([once(server, 'connection'), once(second, 'connect')]);
  console.log(`client 2: connect(): ${find(second.localPort!, port)}`);

  // close() every file and socket this lesson opened: their numbers go back to the table.
  for (const fd of files.slice(1)) closeSync(fd);
  for (const socket of [client, second]) socket.destroy();
  await new Promise((closed) => server.close(closed));
}

// As a program: inside the project, the lab beside this file runs main() and shows the kernel's
// view of each step (scripts/lab/07-socket-descriptor.ts). Copied alone, the lesson runs by itself.
if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  import('./lab/07-socket-descriptor.ts').then(
    (lab) => lab.run(),
    () => main(),
  );
}
