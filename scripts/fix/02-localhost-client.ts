/**
 * @title A client for a server on this machine
 * @task Connects to the greeting server on this machine, which listens on 127.0.0.1 at the port
 *   given, and prints the greeting it sends. Says where it connects first.
 * @run npx tsx scripts/fix/02-localhost-client.ts PORT   (a server: npx tsx scripts/03-accept.ts --serve)
 */
import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';

const port = Number(process.argv[2]);
const { address } = await lookup('localhost');
console.log(`connecting to ${address} port ${port}`);

const socket = connect(port, address);
socket.setEncoding('utf8');
socket.on('data', (text: string) => process.stdout.write(text));
socket.on('error', (error) => {
  console.error(`error: ${error.message}`);
  process.exitCode = 1;
});
