/**
 * @title A client that uploads a lot (solution)
 * @task Connects to 127.0.0.1 at the port given, sends MIB mebibytes (default 256) in chunks of
 *   64 KiB, half-closes, and prints the server's answer. Its memory must stay bounded however slow
 *   the server reads.
 */
import { once } from 'node:events';
import { connect } from 'node:net';

const CHUNK_BYTES = 64 * 1024;
const port = Number(process.argv[2]);
const chunks = (Number(process.argv[3] ?? 256) * 1024 * 1024) / CHUNK_BYTES;

const socket = connect(port, '127.0.0.1');
socket.setEncoding('utf8');
socket.on('data', (text: string) => process.stdout.write(text));
await once(socket, 'connect');
for (let i = 0; i < chunks; i++) {
  // false: the kernel's send buffer is full and Node is holding the rest; wait until it has passed it on.
  if (!socket.write(Buffer.alloc(CHUNK_BYTES, i % 256))) await once(socket, 'drain');
}
socket.end();
