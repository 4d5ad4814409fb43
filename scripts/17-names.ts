/**
 * @title Names: what "localhost" becomes
 * @concept A name is not an address: "localhost" resolves through /etc/hosts to one or more
 *   addresses, in an order the system decides, and a client that tries only the first gets
 *   ECONNREFUSED ::1 from a server on 127.0.0.1, while Happy Eyeballs (autoSelectFamily) tries
 *   each in turn.
 * @notes #54-names-what-localhost-becomes-17-names
 * @run npx tsx scripts/17-names.ts
 * @resource https://nodejs.org/api/dns.html#dnslookuphostname-options-callback
 * @resource https://nodejs.org/api/net.html#socketconnectoptions-connectlistener
 * @resource https://man7.org/linux/man-pages/man5/hosts.5.html
 * @resource https://man7.org/linux/man-pages/man5/nsswitch.conf.5.html
 */
import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { once } from 'node:events';
import {
  type AddressInfo,
  createConnection,
  createServer,
  getDefaultAutoSelectFamily,
  type LookupFunction,
} from 'node:net';

export async function main(): Promise<void> {
  // getaddrinfo(): dns.lookup asks the sources /etc/nsswitch.conf lists ("files" is /etc/hosts).
  // This machine's answer is printed, and the steps below do not depend on it.
  const here = (await lookup('localhost', { all: true })).map(({ address }) => address);
  console.log(`names: this machine's resolver: localhost -> ${here.join(', ')}`);

  // socket() + bind(127.0.0.1) + listen(): one of the addresses "localhost" may stand for.
  const server = createServer((socket) => socket.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  console.log(`server: listening on 127.0.0.1:${port} only`);

  // What the resolver answers where /etc/hosts has "::1 localhost" too and IPv6 is up, as on
  // many distributions. Given to connect() as its lookup, it makes the steps the same anywhere.
  const ipv6First: LookupAddress[] = [
    { address: '::1', family: 6 },
    { address: '127.0.0.1', family: 4 },
  ];
  const hostsFileOrder: LookupFunction = (_name, options, callback) =>
    options.all ? callback(null, ipv6First) : callback(null, '::1', 6);
  console.log(`client: its lookup: localhost -> ${ipv6First.map((a) => a.address).join(', ')}`);

  for (const autoSelectFamily of [false, true]) {
    // socket() + connect(): to the first address only, or (Happy Eyeballs) to each in turn until
    // one answers. A refused connect() is an RST from the kernel where nothing listens.
    const options = { host: 'localhost', port, lookup: hostsFileOrder, autoSelectFamily };
    const client = createConnection(options);
    const outcome = await once(client, 'connect').then(
      () => `connected to ${client.remoteAddress}`,
      (error: NodeJS.ErrnoException & { address?: string }) => `${error.code} ${error.address}`,
    );
    // Node lists each address:port it tried, with Happy Eyeballs only.
    const attempts = client.autoSelectFamilyAttemptedAddresses;
    const tried = attempts?.join(', then ') ?? 'the first address only';
    console.log(`client: autoSelectFamily ${autoSelectFamily}: tried ${tried} -> ${outcome}`);
    client.destroy();
  }
  console.log(`client: Node's default here: autoSelectFamily ${getDefaultAutoSelectFamily()}`);

  // close(): the listener goes once the last connection has.
  await new Promise((done) => server.close(done));
  console.log('server: closed');
}

// As a program: inside the project, the lab beside this file runs main() and shows what the
// names and the connections became (scripts/lab/17-names.ts). Copied alone, it runs by itself.
if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  import('./lab/17-names.ts').then(
    (lab) => lab.run(),
    () => main(),
  );
}
