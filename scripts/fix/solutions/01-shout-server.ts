/**
 * @title A line server that answers every line (solution)
 * @task Every line a client sends (text ending in "\n") gets one line back: the same text in
 *   capitals. Listens on 127.0.0.1 (port 0, or the one given) and prints where.
 */
import { type AddressInfo, createServer } from 'node:net';

const server = createServer((socket) => {
  // A 'data' event holds whatever bytes have arrived: part of a line, or several lines.
  let unfinished = '';
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    const lines = (unfinished + text).split('\n');
    unfinished = lines.pop()!;
    for (const line of lines) socket.write(`${line.toUpperCase()}\n`);
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
