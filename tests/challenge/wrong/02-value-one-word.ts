/**
 * @fails protocol
 * @mistake It takes the value for one word, as it takes the key: `SET k a b` stores only "a".
 */
import { createServer } from 'node:net';
import { onLines } from './line-store.ts';

const store = new Map<string, string>();

function answer(line: string): string {
  const [command, key, value] = line.split(' ');
  if (command === 'SET' && key && value !== undefined) {
    store.set(key, value);
    return 'OK';
  }
  if (command === 'GET' && key) return store.has(key) ? `VALUE ${store.get(key)}` : 'NONE';
  return 'ERROR unknown command';
}

const server = createServer((socket) => {
  socket.on('error', () => {});
  onLines(socket, (line) => socket.write(`${answer(line)}\n`));
});
server.listen(Number(process.env.PORT), process.env.HOST);
