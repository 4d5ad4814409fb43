/**
 * @title A server that greets every client, for as long as it runs (solution)
 * @task A client sends its name and half-closes; the server answers "hello, NAME". It must serve
 *   any number of clients, one after another, without running out of anything.
 */
import { type AddressInfo, createServer } from 'node:net';

const server = createServer({ allowHalfOpen: true }, (socket) => {
  let name = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    name += chunk;
  });
  socket.on('end', () => {
    // Our side ends too: then both directions are closed and the descriptor goes back to the process.
    socket.end(`hello, ${name.trim()}\n`);
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
