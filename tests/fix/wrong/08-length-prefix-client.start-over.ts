/**
 * @tries Catches the RangeError that readUInt32BE() throws, and drops what is pending to start
 *   afresh with the next chunk.
 * @wrong The bytes dropped were the first half of the next header: what comes next is read from
 *   the middle of a header, and the message is lost.
 * @says it printed "first", \(nothing\)
 */
import { connect } from 'node:net';

const HEADER_BYTES = 4;
const socket = connect(Number(process.argv[2]), '127.0.0.1');

let pending = Buffer.alloc(0);
socket.on('data', (chunk: Buffer) => {
  pending = Buffer.concat([pending, chunk]);
  try {
    while (pending.length > 0) {
      const length = pending.readUInt32BE(0);
      if (pending.length < HEADER_BYTES + length) break;
      console.log(pending.subarray(HEADER_BYTES, HEADER_BYTES + length).toString('utf8'));
      pending = pending.subarray(HEADER_BYTES + length);
    }
  } catch {
    pending = Buffer.alloc(0);
  }
});
