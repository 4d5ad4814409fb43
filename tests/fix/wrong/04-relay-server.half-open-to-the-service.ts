/**
 * @tries Sets allowHalfOpen: true, on the connection to the service.
 * @wrong The right option on the wrong socket. The side that Node ends too early is the one to the
 *   client: its FIN arrives first, and the service's answer has yet to come.
 * @says the client heard "", then the relay's FIN: it had ended its side without the answer
 */
import { type AddressInfo, connect, createServer } from 'node:net';

const servicePort = Number(process.argv[2]);

const server = createServer((client) => {
  const service = connect({ port: servicePort, host: '127.0.0.1', allowHalfOpen: true });
  client.pipe(service);
  service.pipe(client);
});

server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
