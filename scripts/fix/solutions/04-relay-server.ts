/**
 * @title A relay that answers once the client has finished (solution)
 * @task Passes each client on to the service at 127.0.0.1 and the port given: the client's bytes,
 *   then its half-close (end()), go to the service; the service's answer comes back to the client;
 *   then both connections close. Listens on 127.0.0.1 (port 0, or the one given second).
 */
import { type AddressInfo, connect, createServer } from 'node:net';

const servicePort = Number(process.argv[2]);

// By default Node ends our side to the client once the client's FIN arrives; the answer comes later.
const server = createServer({ allowHalfOpen: true }, (client) => {
  const service = connect(servicePort, '127.0.0.1');
  // pipe() passes each end() on: the client's FIN to the service, then the service's back to the client.
  client.pipe(service);
  service.pipe(client);
});

server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
