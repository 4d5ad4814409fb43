/**
 * @tries Adds 'error' listeners to both sockets, so that a failed write cannot crash the relay.
 * @wrong The crash was the symptom: the answer is written to a side that Node has already ended,
 *   because the client's FIN came first. Silenced, the answer is lost all the same.
 * @says the client heard "", then the relay's FIN: it had ended its side without the answer
 */
import { type AddressInfo, connect, createServer } from 'node:net';

const servicePort = Number(process.argv[2]);

const server = createServer((client) => {
  const service = connect(servicePort, '127.0.0.1');
  client.on('error', () => {});
  service.on('error', () => {});
  client.pipe(service);
  service.pipe(client);
});

server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
