/**
 * The lab of 14-two-hosts. Makes two hosts, A and B, each a network namespace of its own joined to
 * the other by a veth link (scripts/lib/hosts.ts): A has 192.0.2.1 and 2001:db8::1, B has
 * 192.0.2.2 and 2001:db8::2, documentation addresses that lead nowhere else. It starts the
 * lesson's server program in B and its client program in A (ROLE=server, ROLE=client), reads what
 * they print, and shows each host's route, neighbour entry and socket tables around them. Linux,
 * as root; both hosts are gone when it ends.
 */
import { defineKnobs, defineScript, formatEndpoint, isMain, type Line } from '../lib/cli.ts';
import { type Host, type HostProgram, startTwoHosts } from '../lib/hosts.ts';
import { label } from '../lib/mermaid.ts';
import { defineExercise, same } from '../lib/questions.ts';
import { runLabOrRole } from '../lib/lab.ts';
import { main } from '../14-two-hosts.ts';

/** One port's holders as 08's lookup reports them (`--port P --json`). */
interface PortHolder {
  state: string;
  localAddress: string;
  pids: Array<{ pid: number; command: string }>;
}

/** How long a host's program may take to print a line: it starts a Node process first. */
const PROGRAM_MS = 20_000;
const LESSON = 'scripts/14-two-hosts.ts';
/** 08's command line, run as a tool in each host: each host's own socket tables answer it. */
const LOOKUP = 'scripts/08-port-vs-pid.ts';

// --- Running the lesson's programs in the hosts ------------------------------------------------

/** Starts the two hosts, runs the lesson's programs across them over IPv4 and IPv6, and stops them. */
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

/** One family: the route A takes to B, the lesson's client on A dialling its server on B, and each host's tables. */
async function across(a: Host, b: Host, family: 'ipv4' | 'ipv6'): Promise<Crossing> {
  const to = b[family];
  // Before any packet: the route says which interface and which source address A will use for B.
  const route = await routeTo(a, to);
  const neighbourBefore = await neighbour(a, to);

  // B runs the lesson's server program, bound to B's address; A runs its client program.
  const server = b.start(LESSON, { ROLE: 'server', ADDRESS: to });
  const [, port] = await server.line(/^server: listening on \S+ port (\d+)$/, PROGRAM_MS, 'its port');
  const dialled = await dial(a, to, Number(port));
  // The first packet to B needed B's link-layer address: A asked (ARP for IPv4, neighbour discovery for IPv6).
  const neighbourAfter = await neighbour(a, to);

  // The same port at A's own address, and at A's loopback: nothing there, B's socket is B's.
  const atOwnAddress = await dial(a, a[family], Number(port));
  const atLoopback = await dial(a, family === 'ipv4' ? '127.0.0.1' : '::1', Number(port));

  // 08's lookup of the port, run in each host: each namespace has socket tables of its own.
  const [inB, inA] = await Promise.all([b, a].map((host) => lookup(host, Number(port))));
  const serverPid = server.pid;
  await server.stop();
  return {
    server: { address: to, port: Number(port), pid: serverPid },
    route,
    neighbourBefore,
    neighbourAfter,
    dialled,
    atOwnAddress,
    atLoopback,
    lookup: { inB, inA },
  };
}

export type Dialled =
  | { ok: true; local: Endpoint; serverSaw: { local: Endpoint; remote: Endpoint } }
  | { ok: false; code: string };

const CONNECTED = /^client: connected from (\S+) port (\d+); the server saw (\S+) port (\d+), at (\S+) port (\d+)$/;
const FAILED = /^client: connect\(\) to \S+ port \d+: (\S+)$/;

/** Runs the lesson's client program in `host` against address:port, and reads what it printed. */
async function dial(host: Host, address: string, port: number): Promise<Dialled> {
  const client: HostProgram = host.start(LESSON, { ROLE: 'client', ADDRESS: address, PORT: String(port) });
  try {
    const [line] = await client.line(/^client: .*$/, PROGRAM_MS, 'what its connect() did');
    const connected = CONNECTED.exec(line);
    if (connected) {
      const [, localAddress, localPort, sawAddress, sawPort, atAddress, atPort] = connected;
      return {
        ok: true,
        local: { address: localAddress, port: Number(localPort) },
        serverSaw: {
          remote: { address: sawAddress, port: Number(sawPort) },
          local: { address: atAddress, port: Number(atPort) },
        },
      };
    }
    const failed = FAILED.exec(line);
    if (!failed) throw new Error(`the client program printed a line the lab cannot read: ${line}`);
    return { ok: false, code: failed[1] };
  } finally {
    await client.stop();
  }
}

/** 08's lookup of `port`, run as a program in `host`: the holders that host's tables know. */
async function lookup(host: Host, port: number): Promise<PortHolder[]> {
  const program = host.start(LOOKUP, {}, ['--port', String(port), '--json']);
  // It exits 1 when nothing holds the port, and prints its answer, [], all the same.
  const code = await program.exited(PROGRAM_MS);
  if (code !== 0 && code !== 1) throw new Error(`08's lookup in host ${host.name} exited with ${code}`);
  return JSON.parse(program.lines.join('\n')) as PortHolder[];
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
  /** B's server program: where it listened, and its PID in B. */
  server: Endpoint & { pid: number };
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
      ask: {
        en: () => "A client on host A (192.0.2.1) connects to B's 192.0.2.2. Which address does B see it come from?",
        ko: () => '호스트 A(192.0.2.1)의 클라이언트가 B의 192.0.2.2로 연결한다. B가 보는 출발지 주소는?',
      },
      options: [
        ['192.0.2.1', { en: "192.0.2.1, A's address on the link", ko: '192.0.2.1, 링크에 있는 A의 주소' }],
        ['127.0.0.1', same('127.0.0.1')],
        ['192.0.2.2', { en: "192.0.2.2, B's own", ko: '192.0.2.2, B 자신의 주소' }],
      ],
      measure: ({ ipv4 }) => (ipv4.dialled.ok ? ipv4.dialled.serverSaw.remote.address : ipv4.dialled.code),
      why: {
        en: ({ ipv4 }) =>
          `the route from A to B goes out of ${ipv4.route.device}, and a socket that did not bind takes that ` +
          "interface's address",
        ko: ({ ipv4 }) =>
          `A에서 B로 가는 라우트는 ${ipv4.route.device}로 나가고, bind하지 않은 소켓은 그 인터페이스의 주소를 ` +
          '받는다',
      },
    },
    {
      id: 'own-address',
      kind: 'choice',
      ask: {
        en: () => "The server on B is bound to 192.0.2.2. A dials the same port at 192.0.2.1, A's own address:",
        ko: () => 'B의 서버는 192.0.2.2에 bind되어 있다. A가 같은 포트를 A 자신의 주소 192.0.2.1로 연결하면:',
      },
      options: [
        ['ok', { en: "it connects: it is the same server's port", ko: '연결된다: 같은 서버의 포트다' }],
        ['ECONNREFUSED', same('ECONNREFUSED')],
        ['ETIMEDOUT', same('ETIMEDOUT')],
      ],
      measure: ({ ipv4 }) => (ipv4.atOwnAddress.ok ? 'ok' : ipv4.atOwnAddress.code),
      why: {
        en: () => "192.0.2.1 is A's own address: the SYN never leaves A, and no socket of A's listens on that port",
        ko: () => '192.0.2.1은 A 자신의 주소다. SYN은 A 밖으로 나가지 않고, A에는 그 포트에서 listen하는 소켓이 없다',
      },
    },
    {
      id: 'tables',
      kind: 'number',
      ask: {
        en: () => "08's lookup, run inside host A, for the port B's server listens on: how many sockets does it find?",
        ko: () => '08의 조회를 호스트 A 안에서, B의 서버가 listen하는 포트로 돌린다. 소켓이 몇 개 나오나?',
      },
      measure: ({ ipv4 }) => lookedUp(ipv4.lookup.inA),
      why: {
        en: () => "every network namespace has socket tables of its own: A's /proc/net/tcp lists only A's sockets",
        ko: () => '네트워크 네임스페이스마다 소켓 테이블이 따로 있다. A의 /proc/net/tcp에는 A의 소켓만 나온다',
      },
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

/** The lesson calls this when it runs as a program in the project: the lab, or one host's part. */
export const run = () => runLabOrRole(cli, main, ['client']);

if (isMain(import.meta.url)) await run();
