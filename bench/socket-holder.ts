/**
 * A holder for the lookup benchmark: a listener on HOST plus connections to it, both ends kept,
 * until it holds COUNT sockets (or one more). It reports how many over IPC and keeps them until
 * it is killed. Run as `node bench/socket-holder.ts HOST COUNT BATCH`.
 */
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

const [host, countText, batchText] = process.argv.slice(2);
const pairs = Math.ceil((Number(countText) - 1) / 2);
const batchSize = Number(batchText);
const kept: Socket[] = [];

let onAccepted = () => {};
const server = createServer((accepted) => {
  kept.push(accepted);
  onAccepted();
});
server.listen({ host, port: 0, backlog: 511 }, async () => {
  const { port } = server.address() as AddressInfo;
  // In batches well under the backlog, so that no SYN is dropped.
  for (let done = 0; done < pairs; done += batchSize) {
    const batch = Math.min(batchSize, pairs - done);
    const connected = Array.from(
      { length: batch },
      () =>
        new Promise<void>((resolve, reject) => {
          const client = connect(port, host, () => resolve());
          client.on('error', reject);
          kept.push(client);
        }),
    );
    await Promise.all(connected);
  }
  // Every connection's server end is accepted too before we count.
  await new Promise<void>((resolve) => {
    onAccepted = () => {
      if (kept.length >= 2 * pairs) resolve();
    };
    onAccepted();
  });
  process.send?.({ sockets: 1 + kept.length });
});
