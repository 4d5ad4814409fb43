/**
 * @fails protocol
 * @mistake It splits a set at every '=' and keeps the last piece: `k=a=b` sets k to "b", where
 *   the value is everything after the first '=' ("a=b").
 */
import { createSocket } from 'node:dgram';
import { VERSION } from './udp-store.ts';

const store = new Map<string, string>();
const socket = createSocket('udp4');
socket.on('message', (datagram: Buffer, sender) => {
  const pieces = datagram.toString().split('=');
  const key = pieces[0];
  if (pieces.length > 1) {
    if (key !== 'version') store.set(key, pieces.at(-1) ?? '');
    return;
  }
  socket.send(`${key}=${key === 'version' ? VERSION : (store.get(key) ?? '')}`, sender.port, sender.address);
});
socket.bind(Number(process.env.PORT), process.env.HOST);
