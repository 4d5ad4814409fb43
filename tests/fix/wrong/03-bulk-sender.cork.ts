/**
 * @tries Corks the socket around the loop, so the chunks go out in large batches, not 64 KiB at a
 *   time.
 * @wrong cork() only delays the writes to the kernel: every chunk is still taken into the
 *   program's memory at once, and write()'s answer, that the kernel takes no more, is still unread.
 * @says memory peaked at (9[7-9]|1\d\d)\.\d MiB \(bound 96 MiB
 */
import { connect } from 'node:net';

const CHUNK_BYTES = 64 * 1024;
const port = Number(process.argv[2]);
const chunks = (Number(process.argv[3] ?? 256) * 1024 * 1024) / CHUNK_BYTES;

const socket = connect(port, '127.0.0.1', () => {
  socket.cork();
  for (let i = 0; i < chunks; i++) socket.write(Buffer.alloc(CHUNK_BYTES, i % 256));
  socket.uncork();
  socket.end();
});
socket.setEncoding('utf8');
socket.on('data', (text: string) => process.stdout.write(text));
