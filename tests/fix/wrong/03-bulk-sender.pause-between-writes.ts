/**
 * @tries Waits a millisecond between chunks, so the server has time to keep up.
 * @wrong A pause is not the kernel saying it has room: against a server that reads nothing, every
 *   chunk still piles up in Node's memory, only more slowly. write()'s return value goes unread.
 * @says memory peaked at [\d.]+ MiB \(bound 96 MiB; woken [1-9]\d* times
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:net';
import { once } from 'node:events';

const CHUNK_BYTES = 64 * 1024;
const port = Number(process.argv[2]);
const chunks = (Number(process.argv[3] ?? 256) * 1024 * 1024) / CHUNK_BYTES;

const socket = connect(port, '127.0.0.1');
socket.setEncoding('utf8');
socket.on('data', (text: string) => process.stdout.write(text));
await once(socket, 'connect');
for (let i = 0; i < chunks; i++) {
  socket.write(Buffer.alloc(CHUNK_BYTES, i % 256));
  await sleep(1);
}
socket.end();
