/**
 * @tries Reads a length only while more than four bytes are pending (> HEADER_BYTES).
 * @wrong One byte off: an empty message is its 4-byte header alone, and with nothing after it the
 *   loop never reads it. A whole header is four bytes or more (>=).
 * @says it printed "first", "second", \(nothing\)
 */
import { connect } from 'node:net';

const HEADER_BYTES = 4;
const socket = connect(Number(process.argv[2]), '127.0.0.1');

let pending = Buffer.alloc(0);
socket.on('data', (chunk: Buffer) => {
  pending = Buffer.concat([pending, chunk]);
  while (pending.length > HEADER_BYTES) {
    const length = pending.readUInt32BE(0);
    if (pending.length < HEADER_BYTES + length) break;
    console.log(pending.subarray(HEADER_BYTES, HEADER_BYTES + length).toString('utf8'));
    pending = pending.subarray(HEADER_BYTES + length);
  }
});
