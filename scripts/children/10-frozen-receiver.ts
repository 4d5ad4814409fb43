/**
 * 10-udp-fire-and-forget's receiver, in a process of its own so that SIGSTOP can freeze it while
 * the flood arrives. It counts the datagrams it reads and remembers their sequence numbers; any
 * message from the parent asks for the count. Run as `node 10-frozen-receiver.ts HOST RCVBUF`.
 */
import { createSocket } from 'node:dgram';

const [host, rcvbuf] = process.argv.slice(2);
const report = (message: unknown) => process.send?.(message);

// socket() with SO_RCVBUF, then bind(): the kernel grants double the request (see socket(7)).
const socket = createSocket({ type: 'udp4', recvBufferSize: Number(rcvbuf) });
const sequence: number[] = [];
// recvmsg(), one datagram each: the first 4 bytes carry the sender's sequence number.
socket.on('message', (message) => sequence.push(message.readUInt32BE(0)));
socket.bind(0, host, () => report({ port: socket.address().port, rcvbuf: socket.getRecvBufferSize() }));
process.on('message', () =>
  report({
    received: sequence.length,
    outOfOrder: sequence.filter((number, i) => i > 0 && number < sequence[i - 1]).length,
  }),
);
