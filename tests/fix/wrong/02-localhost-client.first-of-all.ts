/**
 * @tries Asks for every address of "localhost" (all: true) and takes the first of the list.
 * @wrong The list is in the resolver's order, ::1 first here; the first entry is no more the
 *   server's address than lookup()'s one answer was.
 * @says localhost is ::1 first here: .*ECONNREFUSED ::1
 */
import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';

const port = Number(process.argv[2]);
const [{ address }] = await lookup('localhost', { all: true });
console.log(`connecting to ${address} port ${port}`);

const socket = connect(port, address);
socket.setEncoding('utf8');
socket.on('data', (text: string) => process.stdout.write(text));
socket.on('error', (error) => {
  console.error(`error: ${error.message}`);
  process.exitCode = 1;
});
