/**
 * @title Names: what "localhost" becomes
 * @concept A name is not an address: "localhost" resolves through /etc/hosts to one or more addresses, in an order
 *   the system decides, and a client that tries only the first gets ECONNREFUSED ::1 from a server on 127.0.0.1,
 *   while Happy Eyeballs (autoSelectFamily) tries each in turn.
 * @notes #54-names-what-localhost-becomes-17-names
 * @run npx tsx scripts/17-names.ts
 * @resource https://nodejs.org/api/dns.html#dnslookuphostname-options-callback
 * @resource https://nodejs.org/api/net.html#socketconnectoptions-connectlistener
 * @resource https://man7.org/linux/man-pages/man5/hosts.5.html
 * @resource https://man7.org/linux/man-pages/man5/nsswitch.conf.5.html
 *
 * First what this machine says: nsswitch.conf's order, and what dns.lookup('localhost') returns
 * here. Then a server on 127.0.0.1, and a client run with an /etc/hosts of this script's making
 * that lists ::1 first, as many distributions' do (scripts/lib/hosts-file.ts: a mount namespace
 * of its own, so this machine's /etc/hosts is never touched). The client dials "localhost" once
 * without Happy Eyeballs and once with it. No DNS server is asked: none is reachable here.
 */
import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { nodeArgsFor } from './lib/child.ts';
import { defineKnobs, defineScript, formatEndpoint, isMain, runScript, type Line } from './lib/cli.ts';
import { HostsUnavailable } from './lib/hosts.ts';
import { LOCALHOST_IPV6_FIRST, ownHostsFile, refusal } from './lib/hosts-file.ts';
import { defineExercise } from './lib/questions.ts';
import { runTool } from './lib/tools.ts';
import { onceWithin } from './lib/wait.ts';

const SERVER_HOST = '127.0.0.1';
const STEP_MS = 2000;
const CLIENT_MS = 15_000;
const CLIENT = new URL('./children/17-dial-localhost.ts', import.meta.url);

// --- The lesson: one name, two addresses, a server on one of them ---------------------------------

export async function observeNames(): Promise<NamesObservations> {
  // This machine: the order of sources, and what "localhost" means here.
  const here = {
    nsswitchHosts: await configLine('/etc/nsswitch.conf', /^hosts:\s*(.+)$/m),
    nameservers: (await configText('/etc/resolv.conf')).match(/^nameserver\s+\S+/gm)?.length ?? 0,
    localhost: (await lookup('localhost', { all: true })).map(({ address }) => address),
  };
  // socket() + bind(127.0.0.1) + listen(): one address of the two that "localhost" may mean.
  const server = createServer((socket) => socket.end());
  server.listen(0, SERVER_HOST);
  await onceWithin(server, 'listening', STEP_MS, 'the server');
  const { port } = server.address() as AddressInfo;
  try {
    return { here, server: { address: SERVER_HOST, port }, client: await dialWithOwnHosts(port) };
  } finally {
    server.close();
  }
}

/** Runs 17's client with /etc/hosts listing ::1 first; what it resolved and how each connect() ended. */
async function dialWithOwnHosts(port: number): Promise<ClientReport> {
  const hosts = await ownHostsFile(LOCALHOST_IPV6_FIRST);
  if (!hosts) throw new HostsUnavailable('an /etc/hosts of our own needs unshare (apt-get install util-linux)');
  try {
    const [command, ...wrapperArgs] = hosts.wrapper;
    const client = [process.execPath, ...nodeArgsFor(fileURLToPath(CLIENT), [String(port)])];
    const run = await runTool(command, [...wrapperArgs, ...client], CLIENT_MS);
    const refused = refusal(run.stderr);
    if (refused) throw new HostsUnavailable(`an /etc/hosts of our own needs a mount namespace (${refused})`);
    if (run.code !== 0) throw new Error(`17's client failed: ${run.stderr.trim()}`);
    return { hostsFile: LOCALHOST_IPV6_FIRST.trim().split('\n'), ...JSON.parse(run.stdout) };
  } finally {
    await hosts.remove();
  }
}

// --- Instrumentation ----------------------------------------------------------------------------

async function configText(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}

async function configLine(path: string, pattern: RegExp): Promise<string | null> {
  return pattern.exec(await configText(path))?.[1].trim() ?? null;
}

// --- The observations and their story ---------------------------------------------------------

interface Dial {
  ok: boolean;
  /** Where it connected, or the error and the address it was for. */
  remote?: string;
  code?: string;
  address?: string;
  /** socket.autoSelectFamilyAttemptedAddresses: each address:port Node tried, in order. */
  tried: string[];
}

export interface ClientReport {
  hostsFile: string[];
  resolved: string[];
  defaultAutoSelectFamily: boolean;
  withoutHappyEyeballs: Dial;
  withHappyEyeballs: Dial;
}

export interface NamesObservations {
  here: { nsswitchHosts: string | null; nameservers: number; localhost: string[] };
  server: { address: string; port: number };
  client: ClientReport;
}

/** Node writes an attempt as "::1:8080"; the collection writes it [::1]:8080. */
function attemptText(attempt: string): string {
  const at = attempt.lastIndexOf(':');
  return formatEndpoint({ address: attempt.slice(0, at), port: Number(attempt.slice(at + 1)) });
}

const dialText = (dial: Dial) =>
  dial.ok ? `connected to ${dial.remote}` : `${dial.code} ${dial.address ?? ''}`.trim();

export function renderNames(seen: NamesObservations): Line[] {
  const { here, server, client } = seen;
  const { withoutHappyEyeballs: first, withHappyEyeballs: both } = client;
  return [
    ['names', `/etc/nsswitch.conf: hosts: ${here.nsswitchHosts ?? '(not set)'}: the sources, in the order asked`],
    ['names', `this machine: dns.lookup('localhost', { all: true }) -> ${here.localhost.join(', ')}`],
    [
      'names',
      `/etc/resolv.conf lists ${here.nameservers} DNS server(s) for names the files do not know; this ` +
        'script asks none',
    ],
    ['server', `listens on ${server.address}:${server.port} only`],
    ['client', `runs with its own /etc/hosts (a mount namespace): ${client.hostsFile.join('; ')}`],
    ['client', `dns.lookup('localhost', { all: true }) -> ${client.resolved.join(', ')}`],
    ['client', `connect('localhost') with autoSelectFamily: false: the first address only -> ${dialText(first)}`],
    [
      'client',
      `with autoSelectFamily: true (Node's default here: ${client.defaultAutoSelectFamily}): tried ` +
        `${both.tried.map(attemptText).join(', then ')} -> ${dialText(both)}`,
    ],
  ];
}

/** What the client tried, in order, and what answered, as a Mermaid sequence diagram (`--mermaid`). */
export function mermaidNames(seen: NamesObservations): string[] {
  const { withoutHappyEyeballs: first, withHappyEyeballs: both, resolved } = seen.client;
  const lines = [
    'sequenceDiagram',
    '    participant C as client',
    '    participant R as resolver (its own /etc/hosts)',
    '    participant K as the kernel',
    '    C->>R: lookup("localhost")',
    `    R->>C: ${resolved.join(', ')}`,
    `    C->>K: SYN to ${resolved[0]} only (autoSelectFamily: false)`,
    `    K->>C: ${first.ok ? 'SYN-ACK: connected' : `RST: ${first.code} ${first.address ?? ''}`.trim()}`,
    '    Note over C: autoSelectFamily: true',
  ];
  both.tried.forEach((attempt, i) => {
    lines.push(`    C->>K: SYN to ${attemptText(attempt)}`);
    const last = i === both.tried.length - 1;
    lines.push(`    K->>C: ${last && both.ok ? `SYN-ACK: connected to ${both.remote}` : 'RST'}`);
  });
  return lines;
}

/** Predict, then run: `npm run exercise -- 17`. */
export const EXERCISE = defineExercise({
  knobs: defineKnobs({}),
  observe: () => observeNames(),
  questions: [
    {
      id: 'first-only',
      kind: 'choice',
      ask: () =>
        '/etc/hosts lists "::1 localhost" before "127.0.0.1 localhost"; the server listens on 127.0.0.1. A client ' +
        "connects to 'localhost' trying only the first address:",
      options: [
        ['connected', 'it connects'],
        ['ECONNREFUSED', 'ECONNREFUSED'],
        ['ENOTFOUND', 'ENOTFOUND'],
      ],
      measure: ({ client }) =>
        client.withoutHappyEyeballs.ok ? 'connected' : (client.withoutHappyEyeballs.code ?? '?'),
      why: ({ client }) =>
        `the first address is ${client.resolved[0]}, where nothing listens, and the kernel there answers with a reset`,
    },
    {
      id: 'happy-eyeballs',
      kind: 'number',
      ask: () => 'The same client with autoSelectFamily (Happy Eyeballs): how many addresses does it try?',
      measure: ({ client }) => client.withHappyEyeballs.tried.length,
      why: ({ client }) =>
        `it tries each address in turn until one answers: ${client.withHappyEyeballs.tried.join(', ')}`,
    },
  ],
});

/** The command line, exported so tests can run it in-process. */
export const cli = defineScript({
  usage: `
Usage: npx tsx scripts/17-names.ts [--json | --mermaid]

Shows what "localhost" resolves to on this machine (through /etc/nsswitch.conf and /etc/hosts),
then starts a server on 127.0.0.1 and runs a client with an /etc/hosts that lists ::1 first (a
mount namespace of its own): connect('localhost') without Happy Eyeballs gets ECONNREFUSED ::1,
with it (autoSelectFamily) Node tries both addresses and connects. No DNS server is asked.
Linux, as root or with unprivileged user namespaces.
`,
  demo: () => observeNames(),
  render: renderNames,
  mermaid: mermaidNames,
});

if (isMain(import.meta.url)) await runScript(cli);
