/**
 * @title A client for a server on this machine (solution)
 * @task Connects to the greeting server on this machine, which listens on 127.0.0.1 at the port
 *   given, and prints the greeting it sends. Says where it connects first.
 */
import { connect } from 'node:net';

const port = Number(process.argv[2]);
// The address the server holds. "localhost" may name ::1 first, where nothing listens.
const address = '127.0.0.1';
console.log(`connecting to ${address} port ${port}`);

const socket = connect(port, address);
socket.setEncoding('utf8');
socket.on('data', (text: string) => process.stdout.write(text));
socket.on('error', (error) => {
  console.error(`error: ${error.message}`);
  process.exitCode = 1;
});
