/**
 * @tries Asks once more if no answer has come after 200 ms.
 * @wrong Survives one loss, but when no answer ever comes it waits for ever: a program that can
 *   be told nothing needs its own limit, and an exit code that says it gave up.
 * @says (the program|it) (was )?still wait
 */
import { createSocket } from 'node:dgram';

const RETRY_MS = 200;
const port = Number(process.argv[2]);
const socket = createSocket('udp4');

const retry = setTimeout(() => socket.send('time?', port, '127.0.0.1'), RETRY_MS);
socket.on('message', (answer) => {
  console.log(`the server says: ${answer}`);
  clearTimeout(retry);
  socket.close();
});
socket.send('time?', port, '127.0.0.1');
