/**
 * @tries Connects again after a refusal, a few times, in case the server was not ready yet.
 * @wrong The server was ready: it holds 127.0.0.1, and "localhost" here names ::1 first, where
 *   nothing listens. Asking the same address again gets the same refusal.
 * @says localhost is ::1 first here: .*ECONNREFUSED ::1
 */
import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';

const TRIES = 3;
const port = Number(process.argv[2]);
const { address } = await lookup('localhost');
console.log(`connecting to ${address} port ${port}`);

function attempt(tries: number): void {
  const socket = connect(port, address);
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => process.stdout.write(text));
  socket.on('error', (error) => {
    if (tries > 1) return attempt(tries - 1);
    console.error(`error: ${error.message}`);
    process.exitCode = 1;
  });
}
attempt(TRIES);
