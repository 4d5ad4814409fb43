/**
 * @tries Asks again every 200 ms and gives up after five tries: closes the socket, says so and
 *   sets exit code 1, but neither returns nor stops its timer.
 * @wrong The same callback goes on to send on the socket it has just closed: Node throws
 *   ERR_SOCKET_DGRAM_NOT_RUNNING, and the program dies of it. Its exit code is 1 as well, but it
 *   crashed; it did not give up.
 * @says crashed \(.*ERR_SOCKET_DGRAM_NOT_RUNNING
 */
import { createSocket } from 'node:dgram';

const RETRY_MS = 200;
const TRIES = 5;
const port = Number(process.argv[2]);
const socket = createSocket('udp4');

let tries = 0;
const retry = setInterval(() => {
  if (tries === TRIES) {
    console.error(`no answer after ${TRIES} tries`);
    process.exitCode = 1;
    socket.close();
  }
  tries++;
  socket.send('time?', port, '127.0.0.1');
}, RETRY_MS);
socket.on('message', (answer) => {
  console.log(`the server says: ${answer}`);
  clearInterval(retry);
  socket.close();
});
socket.send('time?', port, '127.0.0.1');
