/**
 * @tries Passes allowHalfOpen: true in listen()'s options.
 * @wrong listen() takes no such option and says nothing about it: allowHalfOpen belongs to
 *   createServer(), which gives it to every socket it accepts. Node still ends the client's side
 *   when the client's FIN arrives.
 * @says the client heard "", then the relay's FIN: it had ended its side without the answer
 */
import { type AddressInfo, connect, createServer, type ListenOptions } from 'node:net';

const servicePort = Number(process.argv[2]);

const server = createServer((client) => {
  const service = connect(servicePort, '127.0.0.1');
  client.pipe(service);
  service.pipe(client);
});

const options = { port: Number(process.argv[3] ?? 0), host: '127.0.0.1', allowHalfOpen: true };
server.listen(options as ListenOptions, () => {
  console.log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
