/**
 * @title A line server that answers every line
 * @task Every line a client sends (text ending in "\n") gets one line back: the same text in
 *   capitals. Listens on 127.0.0.1 (port 0, or the one given) and prints where.
 * @run npx tsx scripts/fix/01-shout-server.ts   then: nc 127.0.0.1 PORT
 */
import { type AddressInfo, createServer } from 'node:net';

const server = createServer((socket) => {
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    const line = text.replace(/\n$/, '');
    socket.write(`${line.toUpperCase()}\n`);
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
