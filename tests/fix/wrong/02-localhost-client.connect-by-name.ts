/**
 * @tries Gives connect() the name "localhost" and lets it look the name up: since Node 20 it tries
 *   each address in turn (autoSelectFamily), ::1 first here, then 127.0.0.1.
 * @wrong It reaches whatever answers first, not the server: with another program on ::1 at the same
 *   port, that program. ::1 and 127.0.0.1 are two addresses, and the server holds only the second.
 * @says with another program on ::1 at the same port: .*hello from another program
 */
import { connect } from 'node:net';

const port = Number(process.argv[2]);
console.log(`connecting to localhost port ${port}`);

const socket = connect(port, 'localhost');
socket.setEncoding('utf8');
socket.on('data', (text: string) => process.stdout.write(text));
socket.on('error', (error) => {
  console.error(`error: ${error.message}`);
  process.exitCode = 1;
});
