/**
 * Run by tests/02-bind.test.ts in a network namespace whose ephemeral range is a single port:
 * shows that 127.0.0.1 and ::1 hand out the same number apart, and that holdPair() (02's lab)
 * keeps the 127.0.0.1 pair of a ::1 listener's port from being handed out. Prints one JSON line.
 */
import { type AddressInfo, createServer, type Server } from 'node:net';
import { holdPair } from '../../scripts/lab/02-bind.ts';

type Listened = { server: Server; port: number } | { code: string | undefined };

const listen = (host: string) =>
  new Promise<Listened>((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve({ code: error.code }));
    server.listen(0, host, () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
const portOf = (listened: Listened) => ('port' in listened ? listened.port : listened.code);

const ipv6 = await listen('::1');
const beforeHolding = await listen('127.0.0.1');
if ('server' in beforeHolding) beforeHolding.server.close();
const holder = await holdPair('127.0.0.1', Number(portOf(ipv6)));
const whileHolding = await listen('127.0.0.1');
const listenerCovers = await holdPair('::1', Number(portOf(ipv6)));
console.log(
  JSON.stringify({
    ipv6: portOf(ipv6),
    beforeHolding: portOf(beforeHolding),
    held: holder !== null,
    whileHolding: portOf(whileHolding),
    listenerCovers: listenerCovers === null,
  }),
);
for (const socket of [holder, listenerCovers]) socket?.destroy();
for (const listened of [whileHolding, ipv6]) if ('server' in listened) listened.server.close();
