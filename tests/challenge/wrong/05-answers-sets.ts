/**
 * @fails no-reply-to-set
 * @mistake It acknowledges every set with a datagram "OK": the protocol has no reply to a set,
 *   so a client's next datagram in is taken for the answer to its query.
 */
import { createSocket } from 'node:dgram';
import { answer } from './udp-store.ts';

const store = new Map<string, string>();
const socket = createSocket('udp4');
socket.on('message', (datagram: Buffer, sender) => {
  socket.send(answer(store, datagram.toString()) ?? 'OK', sender.port, sender.address);
});
socket.bind(Number(process.env.PORT), process.env.HOST);
