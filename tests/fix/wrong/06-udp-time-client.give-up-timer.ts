/**
 * @tries Gives up after a second without an answer: prints why and exits with code 1.
 * @wrong Half the fix: the timer says the request is lost, but the program does nothing about it.
 *   One lost datagram, and the answer that a second request would get never comes.
 * @says lost the first 3; .* sent 1 request\(s\), and it exited with code 1
 */
import { createSocket } from 'node:dgram';

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
socket.send('time?', port, '127.0.0.1');
