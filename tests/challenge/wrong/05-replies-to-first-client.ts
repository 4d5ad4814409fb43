/**
 * @fails many-clients
 * @mistake It sends every reply to the first client it heard from, as if UDP had a connection:
 *   each datagram carries its own sender, and the reply goes back to that sender.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { answer } from './udp-store.ts';

const store = new Map<string, string>();
const socket = createSocket('udp4');
let client: RemoteInfo | undefined;
socket.on('message', (datagram: Buffer, sender) => {
  client ??= sender;
  const reply = answer(store, datagram.toString());
  if (reply !== undefined) socket.send(reply, client.port, client.address);
});
socket.bind(Number(process.env.PORT), process.env.HOST);
