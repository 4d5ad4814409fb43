/**
 * @title A lossy link: UDP loses what the link loses, TCP retransmits it
 * @concept On a link that drops packets at random, UDP's losses are exactly the link's and the
 *   sender is never told; TCP delivers every byte in order by retransmitting, and pays in time.
 * @notes #52-a-lossy-link-udp-loses-tcp-retransmits-15-lossy-link
 * @run npx tsx scripts/15-lossy-link.ts
 * @resource https://man7.org/linux/man-pages/man7/udp.7.html
 * @knobs LOSS, DATAGRAMS, KIB (in the project); ROLE (receiver, udp or tcp), ADDRESS, PORT, COUNT
 */
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { type AddressInfo, createConnection, createServer } from 'node:net';
import { createInterface } from 'node:readline';

/** Host B's program: counts UDP datagrams (Enter prints how many), hashes and times a stream. */
export async function receiver(address: string): Promise<void> {
  // socket() + bind(): each 'message' is one recvmsg() of one whole datagram.
  const udp = createSocket('udp4');
  let datagrams = 0;
  udp.on('message', () => datagrams++);
  // allowHalfOpen: after the client's FIN (end()), this side can still answer.
  const tcp = createServer({ allowHalfOpen: true }, (socket) => {
    const [hash, t0] = [createHash('sha256'), performance.now()];
    socket.on('data', (bytes: Buffer) => hash.update(bytes));
    socket.on('end', () => {
      const ms = Math.round(performance.now() - t0);
      socket.write(`${socket.bytesRead} ${hash.digest('hex')} ${ms}`);
    });
  });
  udp.bind(0, address);
  tcp.listen(0, address);
  await Promise.all([once(udp, 'listening'), once(tcp, 'listening')]);
  const { port } = tcp.address() as AddressInfo;
  console.log(`server: ports udp ${udp.address().port}, tcp ${port}`);
  const input = createInterface({ input: process.stdin });
  input.on('line', () => console.log(`server: ${datagrams} so far`));
}

/** Host A's program, UDP: `count` datagrams; between batches, waits for a line (Enter). */
export async function sendDatagrams(address: string, port: number, count: number, batch: number) {
  const socket = createSocket('udp4');
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const datagram = Buffer.alloc(64);
  for (let i = 1; i <= count; i++) {
    // sendmsg(): done once A's own kernel has the datagram. Nothing comes back, ever.
    await new Promise((sent) => socket.send(datagram, port, address, sent));
    if (i % batch === 0 && i < count) await lines.next();
  }
  console.log(`client: sent ${count} datagrams of ${datagram.length} bytes; heard nothing back`);
  socket.close();
}

/** Host A's program, TCP: `kib` KiB, then end(); B says bytes, SHA-256 and ms; Enter closes. */
export async function sendStream(address: string, port: number, kib: number): Promise<void> {
  const data = Buffer.alloc(kib * 1024, 'lossy link ');
  const sent = `${data.length} ${createHash('sha256').update(data).digest('hex')}`;
  // write() + shutdown(SHUT_WR): every byte, then our FIN. The kernel resends what is lost.
  const socket = createConnection({ host: address, port }).end(data);
  const [answer] = await once(socket, 'data');
  console.log(`client: port ${socket.localPort}; sent ${sent}; B read ${answer}`);
  // Still open (FIN_WAIT2): ss -ti shows its retransmissions until Enter closes it.
  await once(createInterface({ input: process.stdin }), 'line');
  socket.destroy();
}

export async function main(role = process.env.ROLE): Promise<void> {
  const { ADDRESS = '', PORT, COUNT, BATCH = COUNT } = process.env;
  if (role === 'receiver') return receiver(ADDRESS);
  if (role === 'udp') return sendDatagrams(ADDRESS, Number(PORT), Number(COUNT), Number(BATCH));
  if (role === 'tcp') return sendStream(ADDRESS, Number(PORT), Number(COUNT));
  console.log('lesson: this needs two hosts; in the project: npx tsx scripts/15-lossy-link.ts');
}

// As a program: in the project, its lab runs main() and shows the kernel's view; alone, it runs.
if (import.meta.main ?? process.argv[1] === import.meta.filename)
  import('./lab/15-lossy-link.ts').then(
    (lab) => lab.run(),
    () => main(),
  );
