/**
 * @title Two hosts: an address belongs to a host's interface
 * @concept An IP address names an interface of one host: a client's source address is its own host's, chosen by the
 *   route, a server bound to its host's address is reached only there, and each host keeps its own socket tables.
 * @notes #51-two-hosts-an-address-belongs-to-an-interface-14-two-hosts
 * @run npx tsx scripts/14-two-hosts.ts
 * @resource https://man7.org/linux/man-pages/man7/ip.7.html
 * @resource https://man7.org/linux/man-pages/man8/ip-route.8.html
 * @resource https://man7.org/linux/man-pages/man7/arp.7.html
 * @resource https://man7.org/linux/man-pages/man7/network_namespaces.7.html
 *
 * Loopback shows one machine with one address. Here there are two hosts, A and B, each a network
 * namespace of its own joined to the other by a veth link (scripts/lib/hosts.ts): A has 192.0.2.1
 * and 2001:db8::1, B has 192.0.2.2 and 2001:db8::2, documentation addresses that lead nowhere
 * else. A server runs on B, a client on A. Linux, as root; both hosts are gone when it ends.
 */
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { defineKnobs, defineScript, formatEndpoint, isMain, runScript, type Line } from './lib/cli.ts';
import { type Host, startTwoHosts } from './lib/hosts.ts';
import { label } from './lib/mermaid.ts';
import { defineExercise } from './lib/questions.ts';
import { onceWithin } from './lib/wait.ts';
import type { PortHolder } from './lib/port-lookup.ts';

const STEP_MS = 2000;
/** This module: the hosts import it to run the functions under "What each host runs". */
const SELF = new URL(import.meta.url);
const LOOKUP = new URL('./lib/port-lookup.ts', import.meta.url);

// --- The lesson: a server on host B, a client on host A ---------------------------------------

/** Starts the two hosts, runs the experiments over IPv4 and IPv6, and stops them. */
export async function observeTwoHosts(): Promise<TwoHostsObservations> {
  const { a, b, stop } = await startTwoHosts();
  try {
    return {
      a: hostView(a),
      b: { ...hostView(b), linkAddress: await macOf(b) },
      ipv4: await across(a, b, 'ipv4'),
      ipv6: await across(a, b, 'ipv6'),
    };
  } finally {
    await stop();
  }
}

/** One family: the route A takes to B, a connection from A to B's server, and what each host sees of it. */
async function across(a: Host, b: Host, family: 'ipv4' | 'ipv6'): Promise<Crossing> {
  const to = b[family];
  // Before any packet: the route says which interface and which source address A will use for B.
  const route = await routeTo(a, to);
  const neighbourBefore = await neighbour(a, to);

  // B: socket() + bind(B's address, port 0) + listen(). A: socket() + connect(B's address).
  const port = await b.call<number>(SELF, 'listenOn', to);
  const dialled = await a.call<Dialled>(SELF, 'dial', to, port);
  // The first packet to B needed B's link-layer address: A asked (ARP for IPv4, neighbour discovery for IPv6).
  const neighbourAfter = await neighbour(a, to);

  // The same port at A's own address, and at A's loopback: nothing there, B's socket is B's.
  const atOwnAddress = await a.call<Dialled>(SELF, 'dial', a[family], port);
  const atLoopback = await a.call<Dialled>(SELF, 'dial', family === 'ipv4' ? '127.0.0.1' : '::1', port);

  // 08's lookup of the port, run in each host: each namespace has socket tables of its own.
  const [inB, inA] = await Promise.all([b, a].map((host) => host.call<PortHolder[]>(LOOKUP, 'lookupPort', port)));
  await b.call(SELF, 'closeServers');
  return {
    server: { address: to, port },
    route,
    neighbourBefore,
    neighbourAfter,
    dialled,
    atOwnAddress,
    atLoopback,
    lookup: { inB, inA },
  };
}

// --- What each host runs (called in that host's namespace by scripts/children/host.ts) ---------

const servers = new Set<Server>();

/** A server bound to `address` that tells each client the two ends it saw, then closes. Returns its port. */
export async function listenOn(address: string): Promise<number> {
  const server = createServer((socket) => {
    const seen = {
      local: { address: socket.localAddress!, port: socket.localPort! },
      remote: { address: socket.remoteAddress!, port: socket.remotePort! },
    };
    socket.end(JSON.stringify(seen));
  });
  servers.add(server);
  server.listen(0, address);
  await onceWithin(server, 'listening', STEP_MS, `a server on ${address}`);
  return (server.address() as AddressInfo).port;
}

export async function closeServers(): Promise<void> {
  for (const server of servers) server.close();
  servers.clear();
}

export type Dialled =
  | { ok: true; local: Endpoint; serverSaw: { local: Endpoint; remote: Endpoint } }
  | { ok: false; code: string };

/** connect() to address:port and read what the server saw; or the error that connect() got. */
export async function dial(address: string, port: number): Promise<Dialled> {
  const socket = createConnection({ host: address, port });
  let heard = '';
  socket.setEncoding('utf8').on('data', (text: string) => (heard += text));
  try {
    await onceWithin(socket, 'connect', STEP_MS, `a connection to ${address}`);
    const local = { address: socket.localAddress!, port: socket.localPort! };
    await onceWithin(socket, 'end', STEP_MS, 'the server to answer');
    return { ok: true, local, serverSaw: JSON.parse(heard) };
  } catch (error) {
    return { ok: false, code: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
  } finally {
    socket.destroy();
  }
}

// --- Instrumentation: routes and neighbours, read with ip in the host -------------------------

/** `ip route get`: the interface and source address the kernel would use for `to`. */
async function routeTo(host: Host, to: string): Promise<{ device: string; source: string }> {
  const { stdout } = await host.tool('ip', ['-o', 'route', 'get', to]);
  const route = /\bdev (\S+).*?\bsrc (\S+)/.exec(stdout);
  if (!route) throw new Error(`ip route get ${to} in host ${host.name} says: ${stdout.trim()}`);
  return { device: route[1], source: route[2] };
}

/** The neighbour entry for `address` on the host's link: its link-layer address and state, or null. */
async function neighbour(host: Host, address: string): Promise<{ lladdr: string; state: string } | null> {
  const { stdout } = await host.tool('ip', ['neigh', 'show', address, 'dev', host.link]);
  const entry = /lladdr (\S+) (\S+)/.exec(stdout);
  return entry ? { lladdr: entry[1], state: entry[2] } : null;
}

/** A host's link-layer address on its end of the link. */
async function macOf(host: Host): Promise<string> {
  const { stdout } = await host.tool('ip', ['-o', 'link', 'show', host.link]);
  return /link\/ether (\S+)/.exec(stdout)?.[1] ?? 'unknown';
}

// --- The observations and their story ---------------------------------------------------------

interface Endpoint {
  address: string;
  port: number;
}

function hostView(host: Host) {
  return {
    name: host.name,
    pid: host.pid,
    namespace: host.namespace,
    link: host.link,
    ipv4: host.ipv4,
    ipv6: host.ipv6,
  };
}

export interface Crossing {
  server: Endpoint;
  route: { device: string; source: string };
  neighbourBefore: { lladdr: string; state: string } | null;
  neighbourAfter: { lladdr: string; state: string } | null;
  dialled: Dialled;
  atOwnAddress: Dialled;
  atLoopback: Dialled;
  lookup: { inB: PortHolder[]; inA: PortHolder[] };
}

export interface TwoHostsObservations {
  a: ReturnType<typeof hostView>;
  /** With the link-layer (MAC) address of B's end of the link. */
  b: ReturnType<typeof hostView> & { linkAddress: string };
  ipv4: Crossing;
  ipv6: Crossing;
}

const dialText = (dialled: Dialled) =>
  dialled.ok ? `connected from ${formatEndpoint(dialled.local)}` : `refused, ${dialled.code}`;

function neighbourText(entry: Crossing['neighbourAfter'], b: TwoHostsObservations['b']): string {
  if (!entry) return 'no entry';
  const whose = entry.lladdr === b.linkAddress ? ` (B's ${b.link})` : '';
  return `lladdr ${entry.lladdr}${whose}, ${entry.state}`;
}

/** The listeners a lookup found (the connection's own row may still be closing, so it is left out). */
function holdersText(holders: readonly PortHolder[]): string {
  const listeners = holders.filter((holder) => holder.state === 'LISTEN');
  if (listeners.length === 0) return 'no listener on this port';
  return listeners
    .map((holder) => `LISTEN ${holder.localAddress}, ${holder.pids.map(({ pid }) => `pid ${pid}`).join(', ')}`)
    .join('; ');
}

function crossingLines(seen: TwoHostsObservations, family: 'ipv4' | 'ipv6'): Line[] {
  const crossing = seen[family];
  const { server, route, dialled } = crossing;
  const at = formatEndpoint(server);
  const protocol = family === 'ipv4' ? 'ARP' : 'neighbour discovery';
  const lines: Line[] = [
    ['A', `ip route get ${server.address}: dev ${route.device} src ${route.source}, before any packet is sent`],
    ['A', `neighbour entry for ${server.address} before: ${neighbourText(crossing.neighbourBefore, seen.b)}`],
    ['B', `listens on ${at}`],
    ['A', `connect() to ${at}: ${dialText(dialled)}`],
  ];
  if (dialled.ok)
    lines.push(['B', `accepted a connection from ${formatEndpoint(dialled.serverSaw.remote)}: A's address, not B's`]);
  lines.push(
    ['A', `neighbour entry after: ${neighbourText(crossing.neighbourAfter, seen.b)}, learnt by ${protocol}`],
    [
      'A',
      `connect() to ${formatEndpoint({ address: seen.a[family], port: server.port })}, A's own address: ` +
        `${dialText(crossing.atOwnAddress)}`,
    ],
    ['A', `connect() to the same port on A's loopback: ${dialText(crossing.atLoopback)}`],
    ['B', `08's lookup of port ${server.port} in B: ${holdersText(crossing.lookup.inB)}`],
    ['A', `08's lookup of port ${server.port} in A: ${holdersText(crossing.lookup.inA)}`],
  );
  return lines;
}

export function renderTwoHosts(seen: TwoHostsObservations): Line[] {
  const { a, b } = seen;
  return [
    ['hosts', `A: pid ${a.pid} in ${a.namespace}, ${a.ipv4} and ${a.ipv6} on ${a.link}`],
    ['hosts', `B: pid ${b.pid} in ${b.namespace}, ${b.ipv4} and ${b.ipv6} on ${b.link}; a veth link joins the two`],
    ...crossingLines(seen, 'ipv4'),
    ...crossingLines(seen, 'ipv6'),
    ['hosts', 'stopped: their namespaces, the link and every socket in them are gone'],
  ];
}

const lookedUp = (holders: readonly PortHolder[]) => holders.length;

/** The two hosts, their link and the IPv4 connection as this run saw it, as a Mermaid flowchart (`--mermaid`). */
export function mermaidTwoHosts(seen: TwoHostsObservations): string[] {
  const { a, b, ipv4 } = seen;
  const client = ipv4.dialled.ok ? `client socket ${formatEndpoint(ipv4.dialled.local)}` : 'client socket';
  const neighbour = ipv4.neighbourAfter
    ? `neighbour ${b.ipv4} lladdr ${ipv4.neighbourAfter.lladdr}`
    : 'no neighbour entry';
  return [
    'flowchart LR',
    `    subgraph A[${label(`host A: ${a.namespace}`)}]`,
    `      CA[${label(`${client}<br/>route: dev ${ipv4.route.device} src ${ipv4.route.source}`)}]`,
    `      LA[${label(`${a.link}: ${a.ipv4}, ${a.ipv6}<br/>${neighbour}`)}]`,
    '      CA --- LA',
    '    end',
    `    subgraph B[${label(`host B: ${b.namespace}`)}]`,
    `      LB[${label(`${b.link}: ${b.ipv4}, ${b.ipv6}<br/>lladdr ${b.linkAddress}`)}]`,
    `      SB[${label(`listener ${formatEndpoint(ipv4.server)}`)}]`,
    '      LB --- SB',
    '    end',
    '    LA <-- "veth link" --> LB',
  ];
}

/** Predict, then run: `npm run exercise -- 14`. */
export const EXERCISE = defineExercise({
  knobs: defineKnobs({}),
  observe: () => observeTwoHosts(),
  questions: [
    {
      id: 'source-address',
      kind: 'choice',
      ask: () => "A client on host A (192.0.2.1) connects to B's 192.0.2.2. Which address does B see it come from?",
      options: [
        ['192.0.2.1', "192.0.2.1, A's address on the link"],
        ['127.0.0.1', '127.0.0.1'],
        ['192.0.2.2', "192.0.2.2, B's own"],
      ],
      measure: ({ ipv4 }) => (ipv4.dialled.ok ? ipv4.dialled.serverSaw.remote.address : ipv4.dialled.code),
      why: ({ ipv4 }) =>
        `the route from A to B goes out of ${ipv4.route.device}, and a socket that did not bind takes that ` +
        "interface's address",
    },
    {
      id: 'own-address',
      kind: 'choice',
      ask: () => "The server on B is bound to 192.0.2.2. A dials the same port at 192.0.2.1, A's own address:",
      options: [
        ['ok', "it connects: it is the same server's port"],
        ['ECONNREFUSED', 'ECONNREFUSED'],
        ['ETIMEDOUT', 'ETIMEDOUT'],
      ],
      measure: ({ ipv4 }) => (ipv4.atOwnAddress.ok ? 'ok' : ipv4.atOwnAddress.code),
      why: () => "192.0.2.1 is A's own address: the SYN never leaves A, and no socket of A's listens on that port",
    },
    {
      id: 'tables',
      kind: 'number',
      ask: () => "08's lookup, run inside host A, for the port B's server listens on: how many sockets does it find?",
      measure: ({ ipv4 }) => lookedUp(ipv4.lookup.inA),
      why: () => "every network namespace has socket tables of its own: A's /proc/net/tcp lists only A's sockets",
    },
  ],
});

/** The command line, exported so tests can run it in-process. */
export const cli = defineScript({
  usage: `
Usage: npx tsx scripts/14-two-hosts.ts [--json | --mermaid]

Makes two hosts, A and B, as network namespaces joined by a veth link (A 192.0.2.1 and
2001:db8::1, B 192.0.2.2 and 2001:db8::2), runs a server on B and a client on A over IPv4 and
IPv6, and shows the route A takes, its neighbour entry for B before and after, what each end
sees, and that each host has its own addresses, loopback and socket tables. Linux, as root
(unshare --net); both hosts are removed when it ends.
`,
  demo: () => observeTwoHosts(),
  render: renderTwoHosts,
  mermaid: mermaidTwoHosts,
});

if (isMain(import.meta.url)) await runScript(cli);
