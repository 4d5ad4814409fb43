/**
 * @tries Replaces the two pipe() calls with stream.pipeline(), which handles errors and cleanup.
 * @wrong pipeline() tears both connections down on the first error, but the mistake is not one of
 *   cleanup: Node has ended the client's side when its FIN arrived, before the answer came.
 * @says the client heard "", then the relay's FIN: it had ended its side without the answer
 */
import { type AddressInfo, connect, createServer } from 'node:net';
import { pipeline } from 'node:stream';

const servicePort = Number(process.argv[2]);

const server = createServer((client) => {
  const service = connect(servicePort, '127.0.0.1');
  pipeline(client, service, client, () => {});
});

server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
