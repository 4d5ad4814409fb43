/**
 * @title A relay that answers once the client has finished
 * @task Passes each client on to the service at 127.0.0.1 and the port given: the client's bytes,
 *   then its half-close (end()), go to the service; the service's answer comes back to the client;
 *   then both connections close. Listens on 127.0.0.1 (port 0, or the one given second).
 * @run npx tsx scripts/fix/04-relay-server.ts SERVICE_PORT   then: printf hi | nc -N 127.0.0.1 PORT
 *   (a service that answers after the half-close, sha256sum behind socat:
 *   socat TCP-LISTEN:SERVICE_PORT,bind=127.0.0.1,fork EXEC:sha256sum)
 */
import { type AddressInfo, connect, createServer } from 'node:net';

const servicePort = Number(process.argv[2]);

const server = createServer((client) => {
  const service = connect(servicePort, '127.0.0.1');
  // pipe() passes each end() on: the client's FIN to the service, then the service's back to the client.
  client.pipe(service);
  service.pipe(client);
});

server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
