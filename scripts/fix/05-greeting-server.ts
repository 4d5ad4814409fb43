/**
 * @title A server that greets every client, for as long as it runs
 * @task A client sends its name and half-closes; the server answers "hello, NAME". It must serve
 *   any number of clients, one after another, without running out of anything.
 * @run npx tsx scripts/fix/05-greeting-server.ts   then: printf ada | nc -N 127.0.0.1 PORT
 */
import { type AddressInfo, createServer } from 'node:net';

const server = createServer({ allowHalfOpen: true }, (socket) => {
  let name = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    name += chunk;
  });
  socket.on('end', () => {
    socket.write(`hello, ${name.trim()}\n`);
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
