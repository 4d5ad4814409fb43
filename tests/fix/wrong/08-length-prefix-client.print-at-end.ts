/**
 * @tries Keeps every byte until the server closes, and only then takes the messages apart, when
 *   the stream is surely whole.
 * @wrong Every message is now read right, but none is printed as it completes: a client that waits
 *   for the server's end is no client for a server that sends for a long time.
 * @says it printed \(nothing\)
 */
import { connect } from 'node:net';

const HEADER_BYTES = 4;
const socket = connect(Number(process.argv[2]), '127.0.0.1');

const chunks: Buffer[] = [];
socket.on('data', (chunk: Buffer) => chunks.push(chunk));
socket.on('end', () => {
  let pending = Buffer.concat(chunks);
  while (pending.length >= HEADER_BYTES) {
    const length = pending.readUInt32BE(0);
    if (pending.length < HEADER_BYTES + length) break;
    console.log(pending.subarray(HEADER_BYTES, HEADER_BYTES + length).toString('utf8'));
    pending = pending.subarray(HEADER_BYTES + length);
  }
});
