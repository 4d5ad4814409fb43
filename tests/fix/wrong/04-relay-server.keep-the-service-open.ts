/**
 * @tries Stops pipe() from ending the connection to the service ({ end: false }), taking the FIN
 *   passed on for what closes things too early.
 * @wrong The service answers once the client has finished, and it learns that only from the FIN.
 *   Held back, the service waits for ever, and Node has ended the client's side anyway.
 * @says waiting for the relay to pass the client's half-close on to the service
 */
import { type AddressInfo, connect, createServer } from 'node:net';

const servicePort = Number(process.argv[2]);

const server = createServer((client) => {
  const service = connect(servicePort, '127.0.0.1');
  client.pipe(service, { end: false });
  service.pipe(client);
});

server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
