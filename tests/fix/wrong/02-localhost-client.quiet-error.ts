/**
 * @tries Treats a refusal as "no server yet": prints a note and exits cleanly (code 0).
 * @wrong The program now claims success without the greeting. The refusal was the symptom: it
 *   dialled ::1, which "localhost" names first here, and the server holds 127.0.0.1.
 * @says localhost is ::1 first here: .*no server .*exit code 0
 */
import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';

const port = Number(process.argv[2]);
const { address } = await lookup('localhost');
console.log(`connecting to ${address} port ${port}`);

const socket = connect(port, address);
socket.setEncoding('utf8');
socket.on('data', (text: string) => process.stdout.write(text));
socket.on('error', () => console.log(`no server at ${address} port ${port} yet`));
