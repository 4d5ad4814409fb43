/**
 * @title A UDP client that asks a question
 * @task Sends "time?" to the UDP server at 127.0.0.1 and the port given and prints its answer.
 *   Datagrams can be lost: it must still get an answer when the link loses its requests for a
 *   moment, and give up with exit code 1 when none comes.
 * @run npx tsx scripts/fix/06-udp-time-client.ts PORT
 */
import { createSocket } from 'node:dgram';

const port = Number(process.argv[2]);
const socket = createSocket('udp4');

socket.on('message', (answer) => {
  console.log(`the server says: ${answer}`);
  socket.close();
});
socket.send('time?', port, '127.0.0.1');
