/**
 * @tries Reads the length with readUInt16BE(), which the two bytes that have come are enough for.
 * @wrong The header is four bytes whatever has come: two of them read as the length give 0 here
 *   (the high bytes of a big-endian length), and the message is cut at the wrong place.
 * @says it printed "", \(nothing\)
 */
import { connect } from 'node:net';

const HEADER_BYTES = 4;
const socket = connect(Number(process.argv[2]), '127.0.0.1');

let pending = Buffer.alloc(0);
socket.on('data', (chunk: Buffer) => {
  pending = Buffer.concat([pending, chunk]);
  while (pending.length > 0) {
    const length = pending.readUInt16BE(0);
    if (pending.length < HEADER_BYTES + length) break;
    console.log(pending.subarray(HEADER_BYTES, HEADER_BYTES + length).toString('utf8'));
    pending = pending.subarray(HEADER_BYTES + length);
  }
});
