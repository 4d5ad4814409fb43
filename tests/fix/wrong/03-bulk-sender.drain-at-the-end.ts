/**
 * @tries Waits for 'drain' once, after the loop, before it half-closes.
 * @wrong By then every chunk is already in the program's memory. 'drain' is worth waiting for each
 *   time write() returns false, before the next write.
 * @says memory peaked at (9[7-9]|1\d\d)\.\d MiB \(bound 96 MiB
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
for (let i = 0; i < chunks; i++) socket.write(Buffer.alloc(CHUNK_BYTES, i % 256));
await once(socket, 'drain');
socket.end();
