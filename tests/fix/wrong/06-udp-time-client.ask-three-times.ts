/**
 * @tries Sends the request three times at once, so that one of them gets through, and gives up
 *   after a second.
 * @wrong Copies sent together are lost together: a link that is down loses the ones right behind
 *   the first too (the check's link loses three). Nothing here notices a loss and asks again
 *   after waiting; only a timer can.
 * @says lost the first 3; .* sent 3 request\(s\)
 */
import { createSocket } from 'node:dgram';

const COPIES = 3;
const WAIT_MS = 1000;
const port = Number(process.argv[2]);
const socket = createSocket('udp4');

const giveUp = setTimeout(() => {
  console.error('no answer');
  process.exitCode = 1;
  socket.close();
}, WAIT_MS);
socket.on('message', (answer) => {
  console.log(`the server says: ${answer}`);
  clearTimeout(giveUp);
  socket.close();
});
for (let copy = 0; copy < COPIES; copy++) socket.send('time?', port, '127.0.0.1');
