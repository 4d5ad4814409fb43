/**
 * @title TCP against UDP, measured
 * @concept On the same work, TCP delivers every byte in order where UDP drops, sends a stream where
 *   UDP sends messages, costs more header bytes and packets, and pays mostly for its handshake.
 * @notes #43-tcp-against-udp-measured-11-tcp-vs-udp
 * @run npx tsx scripts/11-tcp-vs-udp.ts
 * @resource https://nodejs.org/api/net.html
 * @resource https://man7.org/linux/man-pages/man7/tcp.7.html
 * @knobs FLOOD, PAYLOAD (the burst of 10, now over TCP), DATAGRAMS (writes of 10's sizes),
 *   ROUND_TRIPS, RUNS, BULK_MIB (the speed measurements)
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { type AddressInfo, createConnection, createServer } from 'node:net';

export async function main(datagrams = Number(process.env.DATAGRAMS ?? 5)): Promise<void> {
  // The receiving ends. TCP: socket() + bind() + listen(), all in listen(). UDP: socket() + bind(),
  // and nothing more: there is no connection to wait for. The 4 MiB it asks for (SO_RCVBUF, capped
  // by net.core.rmem_max, then doubled) make room for every message: one that does not fit is lost.
  const server = createServer().listen(0, '127.0.0.1');
  const receiver = createSocket({ type: 'udp4', recvBufferSize: 1 << 22 }).bind(0, '127.0.0.1');
  await Promise.all([once(server, 'listening'), once(receiver, 'listening')]);
  const tcpPort = (server.address() as AddressInfo).port;
  const udpPort = receiver.address().port;
  console.log(`server: TCP listens on 127.0.0.1:${tcpPort}, UDP is bound to 127.0.0.1:${udpPort}`);
  // The same messages both ways: 10's sizes, from 0 bytes up to 65,507 on a log scale.
  const sizeAt = (i: number) => i && Math.round(65_507 ** (i / (datagrams - 1)));
  const messages = Array.from({ length: datagrams }, (_, i) => Buffer.alloc(sizeAt(i), i));
  const sizes = messages.map((message) => message.length).join(', ');

  // UDP: no handshake. The first sendmsg() already carries a message, and each send() is one
  // datagram: the receiver's recvmsg() returns them one by one, the empty one too.
  const sender = createSocket('udp4').bind(0, '127.0.0.1');
  const datagramsIn: number[] = [];
  receiver.on('message', (datagram) => datagramsIn.push(datagram.length));
  for (const message of messages) sender.send(message, udpPort, '127.0.0.1');
  while (datagramsIn.length < messages.length) await once(receiver, 'message');
  console.log(`udp: ${messages.length} sends of ${sizes} bytes`);
  console.log(`server: ${datagramsIn.length} datagrams of ${datagramsIn.join(', ')} bytes`);

  // TCP: connect() first, the three-way handshake; the server's accept4() returns the new socket.
  const client = createConnection({ host: '127.0.0.1', port: tcpPort });
  const [[accepted]] = await Promise.all([once(server, 'connection'), once(client, 'connect')]);
  console.log(`tcp: connected from port ${client.localPort} after the handshake`);
  // Each write() goes into one byte stream; the reader's read() takes whatever has arrived, so
  // its pieces need not match the writes, and an empty write sends nothing at all.
  const piecesIn: number[] = [];
  accepted.on('data', (piece: Buffer) => piecesIn.push(piece.length));
  for (const message of messages) client.write(message);
  // end() is shutdown(SHUT_WR): a FIN after the last byte, which the server reads as 'end'.
  client.end();
  await once(accepted, 'end');
  console.log(`tcp: ${messages.length} writes of ${sizes} bytes`);
  console.log(`server: ${piecesIn.length} reads of ${piecesIn.join(', ')} bytes, one stream`);

  // Closing: TCP answers the FIN with its own and the connection is gone; UDP's close() sends
  // nothing, as there was nothing to tear down.
  accepted.end();
  await new Promise((closed) => server.close(closed));
  for (const socket of [sender, receiver]) socket.close();
  console.log('server: closed; TCP ended with a FIN each way, UDP with no packet at all');
}

// As a program: inside the project, the lab beside this file runs main() and shows the kernel's
// view, the packets and the speed (scripts/lab/11-tcp-vs-udp.ts). Copied alone, it runs by itself.
if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  import('./lab/11-tcp-vs-udp.ts').then(
    (lab) => lab.run(),
    () => main(),
  );
}
