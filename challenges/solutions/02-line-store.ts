/**
 * @title Line key-value store (solution)
 * @task Level 2 (TCP). A request is a line ending in \n, of up to 64 KiB, and each gets one answer
 *   line, in order. `SET key value` answers `OK`: the key is one word, the value is the rest of the
 *   line. `GET key` answers `VALUE value`, or `NONE` if the key was never set. Anything else
 *   answers `ERROR unknown command` (commands are upper case: `get` is anything else). One store is
 *   shared by all clients. Values may hold any UTF-8 text, Hangul too. Requests may arrive cut at
 *   any byte (inside a character too), and several may come in one write. 10 clients are answered
 *   at once while a silent client holds a connection. A client that reads at its own pace and
 *   half-closes gets every answer, then the server closes its side. A client that resets
 *   mid-request costs that connection only. (This level's checker has no client that never reads;
 *   levels 1, 3 and 4 have one.)
 * @run npm run challenge -- 2 challenges/solutions/02-line-store.ts
 */
import { type AddressInfo, createServer } from 'node:net';

const port = Number(process.env.PORT ?? 7008);
const host = process.env.HOST ?? '127.0.0.1';

// One store for the whole process: every connection's requests read and write the same map.
const store = new Map<string, string>();

/** The answer to one request line, without its \n. */
function answer(line: string): string {
  const [command, key = '', ...rest] = line.split(' ');
  // The value is the rest of the line, spaces and all.
  if (command === 'SET' && key !== '' && rest.length > 0) {
    store.set(key, rest.join(' '));
    return 'OK';
  }
  if (command === 'GET' && key !== '' && rest.length === 0) {
    const value = store.get(key);
    return value === undefined ? 'NONE' : `VALUE ${value}`;
  }
  return 'ERROR unknown command';
}

const server = createServer((socket) => {
  // TCP delivers a byte stream: a read may end inside a line, or hold several. Keep what has not
  // yet ended in \n until the next read completes it. (setEncoding keeps a UTF-8 character that
  // is cut between two reads whole.)
  let unfinished = '';
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    const lines = (unfinished + text).split('\n');
    unfinished = lines.pop() ?? '';
    for (const line of lines) socket.write(`${answer(line)}\n`);
  });
  // After the client's FIN Node calls end() for us: what is still queued goes out, then our FIN.
  socket.on('error', (error) => console.log(`server: ${error.message}`));
});

server.listen(port, host, () => {
  console.log(`server: listening on ${host}:${(server.address() as AddressInfo).port}`);
});
