/**
 * @tries Waits half a second before connecting, so that the server has time to start.
 * @wrong Nothing was late: the address is wrong. "localhost" here names ::1 first, and the server
 *   holds 127.0.0.1.
 * @says localhost is ::1 first here: .*ECONNREFUSED ::1
 */
import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const port = Number(process.argv[2]);
const { address } = await lookup('localhost');
console.log(`connecting to ${address} port ${port}`);
await sleep(500);

const socket = connect(port, address);
socket.setEncoding('utf8');
socket.on('data', (text: string) => process.stdout.write(text));
socket.on('error', (error) => {
  console.error(`error: ${error.message}`);
  process.exitCode = 1;
});
