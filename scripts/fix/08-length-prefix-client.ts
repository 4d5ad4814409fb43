/**
 * @title A client for length-prefixed messages
 * @task The server at 127.0.0.1 and the port given sends messages, each a 4-byte big-endian
 *   length and then that many bytes. Prints each message on a line of its own, as it completes,
 *   and exits when the server closes.
 * @run npx tsx scripts/fix/08-length-prefix-client.ts PORT
 */
import { connect } from 'node:net';

const HEADER_BYTES = 4;
const socket = connect(Number(process.argv[2]), '127.0.0.1');

let pending = Buffer.alloc(0);
socket.on('data', (chunk: Buffer) => {
  pending = Buffer.concat([pending, chunk]);
  while (pending.length > 0) {
    const length = pending.readUInt32BE(0);
    if (pending.length < HEADER_BYTES + length) break;
    console.log(pending.subarray(HEADER_BYTES, HEADER_BYTES + length).toString('utf8'));
    pending = pending.subarray(HEADER_BYTES + length);
  }
});
