/**
 * @title A client that uploads a lot
 * @task Connects to 127.0.0.1 at the port given, sends MIB mebibytes (default 256) in chunks of
 *   64 KiB, half-closes, and prints the server's answer. Its memory must stay bounded however slow
 *   the server reads.
 * @run npx tsx scripts/fix/03-bulk-sender.ts PORT [MIB]
 */
import { connect } from 'node:net';

const CHUNK_BYTES = 64 * 1024;
const port = Number(process.argv[2]);
const chunks = (Number(process.argv[3] ?? 256) * 1024 * 1024) / CHUNK_BYTES;

const socket = connect(port, '127.0.0.1', () => {
  for (let i = 0; i < chunks; i++) socket.write(Buffer.alloc(CHUNK_BYTES, i % 256));
  socket.end();
});
socket.setEncoding('utf8');
socket.on('data', (text: string) => process.stdout.write(text));
