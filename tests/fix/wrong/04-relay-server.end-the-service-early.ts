/**
 * @tries Ends the connection to the service as soon as the client's bytes are through, so that
 *   the answer is back before the client's FIN.
 * @wrong The relay cannot know the client has finished until its FIN: a client that sends in
 *   parts is cut off after the first. And the answer may still come after the FIN.
 * @says the relay sent the service a FIN before the client had finished
 */
import { type AddressInfo, connect, createServer } from 'node:net';

const servicePort = Number(process.argv[2]);

const server = createServer((client) => {
  const service = connect(servicePort, '127.0.0.1');
  client.on('data', (chunk: Buffer) => service.end(chunk));
  service.pipe(client);
});

server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
