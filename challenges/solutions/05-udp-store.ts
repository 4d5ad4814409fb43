/**
 * @title UDP key-value store (solution)
 * @task Level 5 (UDP). A datagram containing `=` sets the key (everything before the first `=`) to
 *   the value (everything after that first `=`, later `=` signs included: `k=a=b` sets k to `a=b`).
 *   A datagram without `=` is a query, answered to its sender with one datagram `key=value`, with
 *   an empty value for an unknown key. The key `version` answers `version=` followed by a non-empty
 *   text of the server's choosing, the same every time, and cannot be set. Datagrams are up to
 *   1,000 bytes. No connection, no reply to a set.
 * @run npm run challenge -- 5 challenges/solutions/05-udp-store.ts
 */
import { createSocket } from 'node:dgram';

const port = Number(process.env.PORT ?? 7011);
const host = process.env.HOST ?? '127.0.0.1';
const VERSION = 'socket-notes level 5';

const store = new Map<string, string>();
const socket = createSocket('udp4');

// One 'message' is one datagram, whole: UDP keeps the sender's boundaries, unlike TCP.
socket.on('message', (datagram: Buffer, sender) => {
  const text = datagram.toString('utf8');
  const equals = text.indexOf('=');
  if (equals >= 0) {
    // A set: the key is before the first '=', the value everything after it. No reply.
    const key = text.slice(0, equals);
    if (key !== 'version') store.set(key, text.slice(equals + 1));
    return;
  }
  const value = text === 'version' ? VERSION : (store.get(text) ?? '');
  // No connection to answer on: the reply goes to the address and port this datagram came from.
  socket.send(`${text}=${value}`, sender.port, sender.address);
});

socket.bind(port, host, () => {
  console.log(`server: bound to ${host}:${socket.address().port}`);
});
