/**
 * The lab of 17-names: runs the lesson (scripts/17-names.ts) and shows what its names became:
 * this machine's order of sources (nsswitch.conf) and its answer for "localhost", the server's
 * address, and each connect() of the client (what Node tried, what answered). Around the lesson
 * it runs the lesson once more in a process with an /etc/hosts of the lab's making that lists
 * ::1 first (a mount namespace, scripts/lib/hosts-file.ts), to show that the file decides the
 * resolver's answer; this machine's /etc/hosts is never touched. No DNS server is asked. Also
 * --json, --mermaid and the questions of `npm run exercise -- 17`.
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo, Server, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { main } from '../17-names.ts';
import { nodeArgsFor } from '../lib/child.ts';
import { defineKnobs, defineScript, formatEndpoint, isMain, type Line, runScript } from '../lib/cli.ts';
import { LOCALHOST_IPV6_FIRST, ownHostsFile, refusal } from '../lib/hosts-file.ts';
import { watchLesson } from '../lib/lab.ts';
import { defineExercise, same } from '../lib/questions.ts';
import { runTool } from '../lib/tools.ts';
import { within } from '../lib/wait.ts';

/** The lesson ends in well under a second; the bounds only keep a broken one from hanging. */
const LESSON_MS = 15_000;
const LESSON_ALONE = new URL('../children/17-lesson.ts', import.meta.url);

// --- Watching the lesson run ----------------------------------------------------------------

/** One connect() of the lesson's client: where it got to, and the addresses Node tried on the way. */
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
  /** What the client's lookup answered for "localhost", as the lesson printed it. */
  resolved: string[];
  defaultAutoSelectFamily: boolean;
  withoutHappyEyeballs: Dial;
  withHappyEyeballs: Dial;
}

/** The lesson run again under the lab's /etc/hosts, or why that could not be done here. */
export type OwnHostsRun = { hostsFile: string[]; localhost: string[] } | { unavailable: string };

export interface NamesObservations {
  here: { nsswitchHosts: string | null; nameservers: number; localhost: string[] };
  server: { address: string; port: number };
  client: ClientReport;
  ownHosts: OwnHostsRun;
}

/** Runs the lesson and records each of its steps; then the lesson again under an /etc/hosts of ours. */
export async function observeNames(): Promise<NamesObservations> {
  let server: NamesObservations['server'] | undefined;
  let listening: Server | undefined;
  const dials: Dial[] = [];
  const sockets: Socket[] = [];
  const printed = await within(
    watchLesson(() => main(), {
      listening(listener) {
        listening = listener;
        const { address, port } = listener.address() as AddressInfo;
        server = { address, port };
      },
      connecting(socket) {
        const dial: Dial = { ok: false, tried: [] };
        dials.push(dial);
        sockets.push(socket);
        socket.once('connect', () => Object.assign(dial, { ok: true, remote: socket.remoteAddress }, tried(socket)));
        socket.once('error', (error: NodeJS.ErrnoException & { address?: string }) =>
          Object.assign(dial, { code: error.code, address: error.address }, tried(socket)),
        );
      },
    }),
    LESSON_MS,
    'the lesson to dial "localhost" twice and close its server',
  ).catch((error: unknown) => {
    // A stuck lesson: end what it opened, so that the failure is reported instead of waited on.
    for (const socket of sockets) socket.destroy();
    listening?.close();
    throw error;
  });
  if (!server) throw new Error('the lesson never listened');
  const [withoutHappyEyeballs, withHappyEyeballs] = dials;
  if (dials.length !== 2) throw new Error(`the lesson made ${dials.length} connections, not 2`);
  return {
    here: {
      nsswitchHosts: await configLine('/etc/nsswitch.conf', /^hosts:\s*(.+)$/m),
      nameservers: (await configText('/etc/resolv.conf')).match(/^nameserver\s+\S+/gm)?.length ?? 0,
      localhost: addressesAfter(printed, "names: this machine's resolver: localhost -> "),
    },
    server,
    client: {
      resolved: addressesAfter(printed, 'client: its lookup: localhost -> '),
      defaultAutoSelectFamily: printed.includes("client: Node's default here: autoSelectFamily true"),
      withoutHappyEyeballs,
      withHappyEyeballs,
    },
    ownHosts: await lessonUnderOwnHosts(),
  };
}

const tried = (socket: Socket) => ({ tried: socket.autoSelectFamilyAttemptedAddresses ?? [] });

/** The addresses a printed line of the lesson lists after `prefix`, in order. */
function addressesAfter(printed: readonly string[], prefix: string): string[] {
  const line = printed.find((text) => text.startsWith(prefix));
  if (!line) throw new Error(`the lesson printed no line starting "${prefix}"`);
  return line.slice(prefix.length).split(', ');
}

/** The lesson in a process whose /etc/hosts lists ::1 first: what its dns.lookup answered there. */
async function lessonUnderOwnHosts(): Promise<OwnHostsRun> {
  const hosts = await ownHostsFile(LOCALHOST_IPV6_FIRST);
  if (!hosts) return { unavailable: 'an /etc/hosts of our own needs unshare (apt-get install util-linux)' };
  try {
    const [command, ...wrapperArgs] = hosts.wrapper;
    const lesson = [process.execPath, ...nodeArgsFor(fileURLToPath(LESSON_ALONE))];
    const run = await runTool(command, [...wrapperArgs, ...lesson], LESSON_MS);
    const refused = refusal(run.stderr);
    if (refused) return { unavailable: `an /etc/hosts of our own needs a mount namespace (${refused})` };
    if (run.code !== 0) throw new Error(`the lesson failed under its own /etc/hosts: ${run.stderr.trim()}`);
    const localhost = addressesAfter(run.stdout.split('\n'), "names: this machine's resolver: localhost -> ");
    return { hostsFile: LOCALHOST_IPV6_FIRST.trim().split('\n'), localhost };
  } finally {
    await hosts.remove();
  }
}

async function configText(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}

async function configLine(path: string, pattern: RegExp): Promise<string | null> {
  return pattern.exec(await configText(path))?.[1].trim() ?? null;
}

// --- The story and its diagram ----------------------------------------------------------------

/** Node writes an attempt as "::1:8080"; the collection writes it [::1]:8080. */
function attemptText(attempt: string): string {
  const at = attempt.lastIndexOf(':');
  return formatEndpoint({ address: attempt.slice(0, at), port: Number(attempt.slice(at + 1)) });
}

const dialText = (dial: Dial) =>
  dial.ok ? `connected to ${dial.remote}` : `${dial.code} ${dial.address ?? ''}`.trim();

function ownHostsLines(run: OwnHostsRun): Line[] {
  if ('unavailable' in run)
    return [['hosts', `the lesson under an /etc/hosts of our own is skipped: ${run.unavailable}`]];
  return [
    [
      'hosts',
      `the lesson again, with an /etc/hosts of the lab's making (a mount namespace): ${run.hostsFile.join('; ')}`,
    ],
    ['hosts', `there, its dns.lookup('localhost', { all: true }) -> ${run.localhost.join(', ')}`],
  ];
}

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
    ...ownHostsLines(seen.ownHosts),
    ['server', `listens on ${server.address}:${server.port} only`],
    ['client', `its lookup answers as an /etc/hosts with ::1 first: localhost -> ${client.resolved.join(', ')}`],
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
    '    participant R as its lookup (as an /etc/hosts with ::1 first)',
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
      ask: {
        en: () =>
          '/etc/hosts lists "::1 localhost" before "127.0.0.1 localhost"; the server listens on 127.0.0.1. A ' +
          "client connects to 'localhost' trying only the first address:",
        ko: () =>
          '/etc/hosts에 "::1 localhost"가 "127.0.0.1 localhost"보다 먼저 있고, 서버는 127.0.0.1에서 listen한다. ' +
          "클라이언트가 첫 주소만 시도하며 'localhost'로 연결하면:",
      },
      options: [
        ['connected', { en: 'it connects', ko: '연결된다' }],
        ['ECONNREFUSED', same('ECONNREFUSED')],
        ['ENOTFOUND', same('ENOTFOUND')],
      ],
      measure: ({ client }) =>
        client.withoutHappyEyeballs.ok ? 'connected' : (client.withoutHappyEyeballs.code ?? '?'),
      why: {
        en: ({ client }) =>
          `the first address is ${client.resolved[0]}, where nothing listens, and the kernel there answers with ` +
          'a reset',
        ko: ({ client }) =>
          `첫 주소는 ${client.resolved[0]}인데 거기서는 아무도 listen하지 않아서, 커널이 리셋으로 답한다`,
      },
    },
    {
      id: 'happy-eyeballs',
      kind: 'number',
      ask: {
        en: () => 'The same client with autoSelectFamily (Happy Eyeballs): how many addresses does it try?',
        ko: () => '같은 클라이언트에 autoSelectFamily(Happy Eyeballs)를 켜면 주소를 몇 개 시도하나?',
      },
      measure: ({ client }) => client.withHappyEyeballs.tried.length,
      why: {
        en: ({ client }) =>
          `it tries each address in turn until one answers: ${client.withHappyEyeballs.tried.join(', ')}`,
        ko: ({ client }) => `하나가 답할 때까지 주소를 차례로 시도한다: ${client.withHappyEyeballs.tried.join(', ')}`,
      },
    },
  ],
});

/** The command line, exported so tests can run it in-process. */
export const cli = defineScript({
  usage: `
Usage: npx tsx scripts/17-names.ts [--json | --mermaid]

Shows what "localhost" resolves to on this machine (through /etc/nsswitch.conf and /etc/hosts),
and what it resolves to with an /etc/hosts that lists ::1 first (the lesson run again in a mount
namespace of its own). Then a server on 127.0.0.1, and a client whose lookup answers ::1 first:
connect('localhost') without Happy Eyeballs gets ECONNREFUSED ::1, with it (autoSelectFamily) Node
tries both addresses and connects. No DNS server is asked. The mount namespace needs Linux, as
root or with unprivileged user namespaces.
`,
  demo: () => observeNames(),
  render: renderNames,
  mermaid: mermaidNames,
});

/** Runs the lab's command line: the lesson calls this when it runs as a program in the project. */
export const run = () => runScript(cli);

if (isMain(import.meta.url)) await run();
