/**
 * @tries Collects everything and answers each line once the client has finished ('end'), when
 *   every line is surely whole.
 * @wrong The lines are whole, but the answers come only when the client half-closes: a client that
 *   waits for each answer before it sends on hears nothing.
 * @says heard back \(nothing\) where HELLO was due
 */
import { type AddressInfo, createServer } from 'node:net';

const server = createServer({ allowHalfOpen: true }, (socket) => {
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    received += text;
  });
  socket.on('end', () => {
    for (const line of received.split('\n').slice(0, -1)) socket.write(`${line.toUpperCase()}\n`);
    socket.end();
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
