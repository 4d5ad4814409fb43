/**
 * @tries Asks again every 200 ms until an answer comes (setInterval).
 * @wrong Right against a lost request, but it never gives up: against a server that is gone it
 *   sends for ever and never says so.
 * @says (the program|it) (was )?still wait
 */
import { createSocket } from 'node:dgram';

const RETRY_MS = 200;
const port = Number(process.argv[2]);
const socket = createSocket('udp4');

const ask = () => socket.send('time?', port, '127.0.0.1');
const retries = setInterval(ask, RETRY_MS);
socket.on('message', (answer) => {
  console.log(`the server says: ${answer}`);
  clearInterval(retries);
  socket.close();
});
ask();
