/**
 * @title UDP: fire and forget
 * @concept UDP sends datagrams with no connection: each send is one message of a limited size, a
 *   send to nobody is not an error, and a full receiver drops what it cannot hold.
 * @notes #42-udp-fire-and-forget-10-udp-fire-and-forget
 * @run npx tsx scripts/10-udp-fire-and-forget.ts
 * @resource https://nodejs.org/api/dgram.html
 * @resource https://man7.org/linux/man-pages/man7/udp.7.html
 * @knobs DATAGRAMS (the burst of sizes), FLOOD, PAYLOAD (the flood), RCVBUF (its SO_RCVBUF request)
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';

export async function main(
  datagrams = Number(process.env.DATAGRAMS ?? 5),
  flood = Number(process.env.FLOOD ?? 2000),
  payload = Number(process.env.PAYLOAD ?? 200),
  rcvbuf = Number(process.env.RCVBUF ?? 4096),
): Promise<void> {
  // socket() + bind(): a UDP socket receives once it has an address. No listen(), no accept().
  // The receiver asks for 4 MiB (1 << 22) of buffer to start with: room for the whole burst.
  const receiver = createSocket({ type: 'udp4', recvBufferSize: 1 << 22 }).bind(0, '127.0.0.1');
  const sender = createSocket('udp4').bind(0, '127.0.0.1');
  await Promise.all([once(receiver, 'listening'), once(sender, 'listening')]);
  const { port } = receiver.address();
  // send() is one sendmsg(); its callback says only whether the kernel took the datagram.
  const send = (bytes: Buffer | string, to = port) =>
    new Promise<NodeJS.ErrnoException | null>((sent) => sender.send(bytes, to, '127.0.0.1', sent));
  // Boundaries: each send is one datagram, and each 'message' is one recvmsg() of exactly one.
  const sizeAt = (i: number) => i && Math.round(65_507 ** (i / (datagrams - 1))); // 0 to 65,507
  const sizes = Array.from({ length: datagrams }, (_, i) => sizeAt(i));
  const arrived: number[] = [];
  receiver.on('message', (message) => arrived.push(message.length));
  await Promise.all(sizes.map((size) => send(Buffer.alloc(size))));
  while (arrived.length < sizes.length) await once(receiver, 'message');
  console.log(`sender: ${sizes.length} sends of ${sizes.join(', ')} bytes`);
  console.log(`receiver: ${arrived.length} messages of ${arrived.join(', ')} bytes`);
  // The limit: IPv4's 16-bit length (65,535) less its 20-byte header and UDP's 8 is 65,507.
  const [[largest]] = await Promise.all([once(receiver, 'message'), send(Buffer.alloc(65_507))]);
  const tooBig = await send(Buffer.alloc(65_508));
  console.log(`sender: 65507 bytes arrived as ${largest.length}; 65508 bytes: ${tooBig?.code}`);
  // SO_RCVBUF asks for a receive buffer; the kernel grants double, for its own bookkeeping.
  receiver.setRecvBufferSize(rcvbuf);
  console.log(`receiver: asked for ${rcvbuf} bytes of buffer, got ${receiver.getRecvBufferSize()}`);
  // This process is the receiver too: it reads when the event loop turns, after every send has
  // returned. Meanwhile the kernel queues what fits and drops the rest. Each carries its number.
  const before = arrived.length;
  const numbers = Array.from({ length: flood }, (_, i) => i.toString(16).padStart(8, '0'));
  const sent = await Promise.all(numbers.map((n) => send(Buffer.alloc(payload, n, 'hex'))));
  console.log(`sender: ${flood} sends of ${payload} bytes, ${sent.filter(Boolean).length} failed`);
  // Now it reads. An empty datagram, sent once there is room, comes last: the queue keeps order.
  receiver.setRecvBufferSize(1 << 22);
  await send('');
  while (arrived.at(-1) !== 0) await once(receiver, 'message');
  console.log(`receiver: read ${arrived.length - before - 1} of ${flood}; the rest are lost`);
  // No connection: with the receiver closed, nobody holds its port, yet sendmsg() to it succeeds.
  // The kernel answers with an ICMP "port unreachable" that no unconnected socket is told of.
  await new Promise<void>((closed) => receiver.close(closed));
  const results = await Promise.all(['hello 1', 'hello 2', 'hello 3'].map((text) => send(text)));
  // connect() on UDP sends no packet: it records the peer, so the kernel can pass that ICMP to
  // this socket, as ECONNREFUSED at its next call (receive or send), not the send that caused it.
  const connected = createSocket('udp4');
  connected.connect(port, '127.0.0.1');
  await once(connected, 'connect');
  connected.send('hello?'); // a failed send would be an 'error' from send(), not from recvmsg()
  const [{ code, syscall }] = await once(connected, 'error');
  console.log(`connected: sent "hello?", then ${code} from ${syscall}()`);
  results.push(await send('still there?'));
  console.log(`sender: 4 sends to port ${port}: ${results.map((e) => e?.code ?? 'ok').join(', ')}`);
  for (const socket of [sender, connected]) socket.close();
}

// As a program: inside the project, the lab beside this file runs main() and shows the kernel's
// view of each step (scripts/lab/10-udp-fire-and-forget.ts). Copied alone, it runs by itself.
if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  import('./lab/10-udp-fire-and-forget.ts').then(
    (lab) => lab.run(),
    () => main(),
  );
}
