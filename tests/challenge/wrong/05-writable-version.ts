/**
 * @fails version
 * @mistake It keeps `version` in the store like any other key: a client's `version=…` replaces
 *   it, where the version cannot be set.
 */
import { createSocket } from 'node:dgram';
import { VERSION } from './udp-store.ts';

const store = new Map<string, string>([['version', VERSION]]);
const socket = createSocket('udp4');
socket.on('message', (datagram: Buffer, sender) => {
  const text = datagram.toString();
  const equals = text.indexOf('=');
  if (equals >= 0) store.set(text.slice(0, equals), text.slice(equals + 1));
  else socket.send(`${text}=${store.get(text) ?? ''}`, sender.port, sender.address);
});
socket.bind(Number(process.env.PORT), process.env.HOST);
