/**
 * @tries Answers the client itself with the SHA-256 of its bytes, computed at once (createHash)
 *   in the 'end' handler, without the service: the hole of the exercise's first version, where a
 *   server that computed its own answer passed.
 * @wrong An answer written inside the 'end' handler goes out before Node ends the side, so it
 *   dodges the lesson without learning it. The task is to relay, and the service's answer can
 *   only come later.
 * @says waiting for the relay to connect to the service
 */
import { createHash } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';

const server = createServer((client) => {
  const chunks: Buffer[] = [];
  client.on('data', (chunk: Buffer) => chunks.push(chunk));
  client.on('end', () => {
    client.end(`${createHash('sha256').update(Buffer.concat(chunks)).digest('hex')}\n`);
  });
});

server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
