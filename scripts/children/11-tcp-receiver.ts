/**
 * 11-tcp-vs-udp's TCP receiver, frozen like 10's UDP one: it reads one connection to its end,
 * then reports how many bytes came, their SHA-256, and whether the fixed-size records arrived in
 * sequence. Run as `node 11-tcp-receiver.ts HOST PAYLOAD`; it talks back over IPC.
 */
import { createHash } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';

const [host, payloadText] = process.argv.slice(2);
const payload = Number(payloadText);
const report = (message: unknown) => process.send?.(message);

/** True when `stream` is whole records, each opening with its own sequence number 0, 1, 2, ... */
function recordsInOrder(stream: Buffer): boolean {
  if (stream.length % payload !== 0) return false;
  for (let offset = 0; offset < stream.length; offset += payload)
    if (stream.readUInt32BE(offset) !== offset / payload) return false;
  return true;
}

const server = createServer((accepted) => {
  const chunks: Buffer[] = [];
  // read() until the FIN: a byte stream, so the chunks need not match the sender's writes.
  accepted.on('data', (chunk: Buffer) => chunks.push(chunk));
  accepted.on('end', () => {
    const stream = Buffer.concat(chunks);
    const sha256 = createHash('sha256').update(stream).digest('hex');
    report({ bytes: stream.length, sha256, inOrder: recordsInOrder(stream) });
    accepted.end();
    server.close();
  });
});
server.listen(0, host, () => report({ port: (server.address() as AddressInfo).port }));
