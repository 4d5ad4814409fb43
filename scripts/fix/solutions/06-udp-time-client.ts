/**
 * @title A UDP client that asks a question (solution)
 * @task Sends "time?" to the UDP server at 127.0.0.1 and the port given and prints its answer.
 *   Datagrams can be lost: it must still get an answer when the link loses its requests for a
 *   moment, and give up with exit code 1 when none comes.
 */
import { createSocket } from 'node:dgram';

// Eight tries 250 ms apart: an answer that a busy machine delays has 2 s to come back.
const RETRY_MS = 250;
const TRIES = 8;
const port = Number(process.argv[2]);
const socket = createSocket('udp4');

// Nothing tells a UDP sender that its datagram was lost: only a timer can.
let tries = 0;
let retry: NodeJS.Timeout | undefined;
function ask(): void {
  if (tries === TRIES) {
    console.error(`no answer after ${TRIES} tries`);
    process.exitCode = 1;
    socket.close();
    return;
  }
  tries++;
  socket.send('time?', port, '127.0.0.1');
  retry = setTimeout(ask, RETRY_MS);
}

socket.on('message', (answer) => {
  clearTimeout(retry);
  console.log(`the server says: ${answer}`);
  socket.close();
});
ask();
