/**
 * @tries Gives the event loop a turn (setImmediate) after each write, so the socket can send.
 * @wrong A turn is not room in the kernel: against a server that reads nothing, the socket sends
 *   nothing in that turn, and the chunks pile up in the program's memory all the same.
 * @says memory peaked at (9[7-9]|1\d\d)\.\d MiB \(bound 96 MiB
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';

const CHUNK_BYTES = 64 * 1024;
const port = Number(process.argv[2]);
const chunks = (Number(process.argv[3] ?? 256) * 1024 * 1024) / CHUNK_BYTES;

const socket = connect(port, '127.0.0.1');
socket.setEncoding('utf8');
socket.on('data', (text: string) => process.stdout.write(text));
await once(socket, 'connect');
for (let i = 0; i < chunks; i++) {
  socket.write(Buffer.alloc(CHUNK_BYTES, i % 256));
  await nextTurn();
}
socket.end();
