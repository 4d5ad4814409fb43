/**
 * @title bind() gives a socket its address
 * @concept bind() claims an (IP address, port) pair for a socket: port 0 asks the kernel for an
 *   ephemeral port, a pair a listener holds is refused, the address must be this machine's, low
 *   ports need a privilege, and the address decides who can connect.
 * @notes #21-bind-gives-a-socket-its-address-02-bind
 * @run npx tsx scripts/02-bind.ts
 * @resource https://nodejs.org/api/net.html#serverlistenoptions-callback
 * @resource https://nodejs.org/api/dgram.html#socketbindport-address-callback
 * @resource https://man7.org/linux/man-pages/man2/bind.2.html
 * @resource https://man7.org/linux/man-pages/man7/ip.7.html
 * @resource https://man7.org/linux/man-pages/man7/ipv6.7.html
 * @resource https://docs.kernel.org/networking/ip-sysctl.html
 * @knobs LOW_PORT (tests: the port a uid-0 process without CAP_NET_BIND_SERVICE tries; default
 *   one below ip_unprivileged_port_start)
 */
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { type AddressInfo, createConnection, createServer } from 'node:net';
import { text } from 'node:stream/consumers';

/** Node has no bind() for TCP: listen() is socket() + bind() + listen(). Prints bind()'s answer. */
async function tryListen(host: string, port: number, why: string, server = createServer()) {
  try {
    server.listen(port, host);
    await once(server, 'listening'); // or rejects with the 'error' event: bind()'s error code
    const { address, port: bound } = server.address() as AddressInfo;
    console.log(`server: listen(${host}, port ${port}) -> bound ${address}:${bound} ${why}`);
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    console.log(`server: listen(${host}, port ${port}) -> ${code} ${why}`);
  }
  return server;
}

export async function main(): Promise<void> {
  // Port 0: the kernel picks a free port from net.ipv4.ip_local_port_range.
  const holder = await tryListen('127.0.0.1', 0, '(port 0: the kernel picks)');
  const { port } = holder.address() as AddressInfo;
  // EADDRINUSE: a listener holds this pair, and 0.0.0.0 covers it; 127.0.0.2 is another pair.
  await tryListen('127.0.0.1', port, '(the same pair)');
  await tryListen('0.0.0.0', port, '(the wildcard covers 127.0.0.1)');
  const other = await tryListen('127.0.0.2', port, '(another address: the pair differs)');
  // EADDRNOTAVAIL: the address must be one of this machine's; 203.0.113.7 is for documentation.
  await tryListen('203.0.113.7', 0, '(no interface has it)');
  // EACCES: ports below net.ipv4.ip_unprivileged_port_start need CAP_NET_BIND_SERVICE. Root holds
  // it, so as root this binds; as any other user the kernel refuses.
  const sysctl = '/proc/sys/net/ipv4/ip_unprivileged_port_start';
  const start = existsSync(sysctl) ? Number(readFileSync(sysctl, 'utf8')) : 1024;
  const why = `(under ${start}: CAP_NET_BIND_SERVICE, which root has; uid ${process.geteuid?.()})`;
  const low = await tryListen('127.0.0.1', start - 1, why);
  for (const server of [holder, other, low]) server.close();

  // Who can connect: only to an address the listener bound. 0.0.0.0 is every IPv4 address of
  // this machine (so bind it only on purpose) and no IPv6 one.
  for (const host of ['127.0.0.1', '0.0.0.0']) {
    // On each accept4(): write() the address the connection arrived at, then end() it.
    const answering = createServer((socket) => socket.end(socket.localAddress!));
    await tryListen(host, 0, '(who can reach it?)', answering);
    const { port } = answering.address() as AddressInfo;
    for (const target of ['127.0.0.1', '127.0.0.2', '::1']) {
      // connect(), then read() to the end; a refused connect() rejects with its error code.
      const heard = await text(createConnection({ host: target, port })).then(
        (arrivedAt) => `accepted, arrived at ${arrivedAt}`,
        (error: NodeJS.ErrnoException) => error.code,
      );
      console.log(`client: connect(${target}, port ${port}) -> ${heard}`);
    }
    await new Promise((closed) => answering.close(closed));
  }
}

// As a program: inside the project, the lab beside this file runs main() and shows the kernel's
// view of each step (scripts/lab/02-bind.ts). Copied alone, the lesson runs by itself.
if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  import('./lab/02-bind.ts').then(
    (lab) => lab.run(),
    () => main(),
  );
}
