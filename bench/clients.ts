/**
 * The many-clients benchmark: CLIENTS concurrent echo connections on loopback (10,000 by default),
 * the clients in a process of their own (12's), against 12's Node echo server (`--serve`) and the
 * asyncio echo server a learner might write in Python instead (bench/asyncio-echo.py), each server
 * in its own process, rounds interleaved. Per server: connections per second while all connect,
 * the time until every client has heard its bytes back, the server's memory per connection (RSS
 * growth), and bytes lost, which must be 0. No C reference: I found no Debian package that is an
 * event-driven echo server; socat's `fork` and ncat's `--exec` start a process per connection,
 * which would measure fork() rather than a server.
 *
 * Run: npm run bench:clients   (npm run bench:clients -- --help for the knobs)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { ROOT } from '../scripts/lib/catalog.ts';
import { nodeArgsFor, startNodeChild, stopProcess } from '../scripts/lib/child.ts';
import {
  defineScript,
  type FlagValues,
  integerFlag,
  isMain,
  type Line,
  runScript,
  thousands,
} from '../scripts/lib/cli.ts';
import { MAX_BYTES, MAX_CLIENTS, MIN_BYTES } from '../scripts/lab/12-many-clients.ts';
import { memoryOf } from '../scripts/lib/proc-stat.ts';
import { median } from '../scripts/lib/round-trips.ts';
import { findTool } from '../scripts/lib/tools.ts';
import { within } from '../scripts/lib/wait.ts';

const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 10_000;
/** 10,000 connections on a busy 2-core machine: seconds, never a minute. */
const ROUND_TIMEOUT_MS = 60_000;
export const DEFAULTS = { clients: 10_000, bytes: 256, rounds: 3 } as const;

export interface Contender {
  name: string;
  command: string;
  args: string[];
}

export interface Round {
  connectMs: number;
  echoMs: number;
  /** From the first connect() to the last echo heard. */
  totalMs: number;
  connectionsPerSecond: number;
  /** The server's RSS growth from before the clients to all of them connected, per connection. */
  bytesPerConnection: number;
  /** Bytes some client did not hear back exactly: must be 0. */
  lostBytes: number;
}

export interface ContenderResult {
  name: string;
  rounds: Round[];
  medians: Omit<Round, 'lostBytes'> & { lostBytes: number };
}

export interface ClientsBenchResult {
  clients: number;
  bytes: number;
  rounds: number;
  results: ContenderResult[];
  /** Contenders that could not run here, with why. */
  missing: Array<{ name: string; reason: string }>;
}

/** Starts a contender's server and reads its port from its "listening on HOST:PORT" line. */
async function startServer(contender: Contender): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(contender.command, contender.args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  // Its stderr is shown only if it fails: one that works writes just "SIGTERM: closing" there.
  let diagnostics = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (diagnostics += text));
  child.once('close', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM')
      process.stderr.write(`${contender.name} exited (${code ?? signal}): ${diagnostics}`);
  });
  let output = '';
  const port = new Promise<number>((resolve) =>
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      output += text;
      const match = /listening on [\d.]+:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    }),
  );
  const died = once(child, 'exit').then(([code]) => Promise.reject(new Error(`${contender.name} exited (${code})`)));
  died.catch(() => {});
  return { child, port: await within(Promise.race([port, died]), START_TIMEOUT_MS, `${contender.name} to listen`) };
}

/** One round against one server: every client connects, sends its bytes and checks the echo. */
async function measureRound(contender: Contender, clients: number, bytes: number): Promise<Round> {
  const server = await startServer(contender);
  const rssBefore = memoryOf(server.child.pid!, 'VmRSS');
  const clientProcess = await startNodeChild({
    module: new URL('../scripts/children/12-echo-clients.ts', import.meta.url),
    args: [HOST, String(server.port), String(clients), String(bytes)],
  });
  try {
    const { connectMs } = await clientProcess.next<{ connectMs: number }>(ROUND_TIMEOUT_MS, 'every client to connect');
    const bytesPerConnection = (memoryOf(server.child.pid!, 'VmRSS') - rssBefore) / clients;
    clientProcess.send('echo');
    const echoed = await clientProcess.next<{ exact: number; echoMs: number }>(ROUND_TIMEOUT_MS, 'every echo');
    clientProcess.send('close');
    return {
      connectMs,
      echoMs: echoed.echoMs,
      totalMs: connectMs + echoed.echoMs,
      connectionsPerSecond: clients / (connectMs / 1000),
      bytesPerConnection,
      lostBytes: (clients - echoed.exact) * bytes,
    };
  } finally {
    await clientProcess.stop();
    await stopProcess(server.child);
  }
}

function mediansOf(rounds: readonly Round[]): ContenderResult['medians'] {
  const of = (pick: (round: Round) => number) => median(rounds.map(pick));
  return {
    connectMs: of((round) => round.connectMs),
    echoMs: of((round) => round.echoMs),
    totalMs: of((round) => round.totalMs),
    connectionsPerSecond: of((round) => round.connectionsPerSecond),
    bytesPerConnection: of((round) => round.bytesPerConnection),
    lostBytes: Math.max(...rounds.map((round) => round.lostBytes)),
  };
}

/** The servers that can run here: ours always, Python's where python3 is installed. */
async function contenders(): Promise<{ ready: Contender[]; missing: ClientsBenchResult['missing'] }> {
  const ours = {
    name: 'Node, 12 --serve',
    command: process.execPath,
    args: nodeArgsFor('scripts/12-many-clients.ts', ['--serve', '--host', HOST]),
  };
  const python = await findTool('python3');
  if (!python) return { ready: [ours], missing: [{ name: 'Python asyncio', reason: 'python3 is not installed' }] };
  return {
    ready: [ours, { name: 'Python asyncio', command: python, args: ['bench/asyncio-echo.py', HOST, '0'] }],
    missing: [],
  };
}

export async function benchClients(clients: number, bytes: number, roundCount: number): Promise<ClientsBenchResult> {
  const { ready, missing } = await contenders();
  const rounds = new Map(ready.map((contender) => [contender.name, [] as Round[]]));
  // Interleaved, so that a busy moment of the machine falls on both servers alike.
  for (let round = 0; round < roundCount; round++)
    for (const contender of ready) rounds.get(contender.name)!.push(await measureRound(contender, clients, bytes));
  return {
    clients,
    bytes,
    rounds: roundCount,
    results: ready.map(({ name }) => ({ name, rounds: rounds.get(name)!, medians: mediansOf(rounds.get(name)!) })),
    missing,
  };
}

const range = (values: readonly number[], format: (value: number) => string) =>
  `${format(Math.min(...values))}–${format(Math.max(...values))}`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const kib = (value: number) => `${(value / 1024).toFixed(1)} KiB`;

export function renderClientsBench(result: ClientsBenchResult): Line[] {
  const lines: Line[] = [
    [
      'bench',
      `${thousands(result.clients)} concurrent connections, ${result.bytes} bytes each way, clients in a process of ` +
        `their own (12's); ${result.rounds} round(s), medians (min–max)`,
    ],
  ];
  for (const { name, rounds, medians } of result.results) {
    lines.push([
      name,
      `connects ${thousands(medians.connectionsPerSecond)}/s (${range(
        rounds.map((round) => round.connectionsPerSecond),
        thousands,
      )}); all echoed in ${seconds(medians.totalMs)} (${range(
        rounds.map((round) => round.totalMs),
        seconds,
      )}); ${kib(medians.bytesPerConnection)} of server memory per connection; ` +
        `${thousands(medians.lostBytes)} bytes lost`,
    ]);
  }
  const [ours, python] = result.results;
  if (python) {
    const ratio = (pick: (medians: ContenderResult['medians']) => number) =>
      (pick(ours.medians) / pick(python.medians)).toFixed(2);
    lines.push([
      'ratio',
      `Node against Python asyncio, same run: connects ${ratio((m) => m.connectionsPerSecond)}x as fast, done in ` +
        `${ratio((m) => m.totalMs)}x the time, with ${ratio((m) => m.bytesPerConnection)}x the memory per connection`,
    ]);
  }
  for (const { name, reason } of result.missing) lines.push(['missing', `${name}: ${reason}`]);
  lines.push([
    'C',
    "no C reference: no Debian package found is an event-driven echo server; socat's fork and ncat's --exec " +
      'start a process per connection',
  ]);
  return lines;
}

function run(values: FlagValues): Promise<ClientsBenchResult> {
  return benchClients(
    integerFlag(values, 'clients', 1, MAX_CLIENTS),
    integerFlag(values, 'bytes', MIN_BYTES, MAX_BYTES),
    integerFlag(values, 'rounds', 1, 20),
  );
}

export const cli = defineScript({
  usage: `
Usage: npm run bench:clients -- [--clients N] [--bytes N] [--rounds N] [--json]

CLIENTS concurrent echo connections on loopback from a client process (12's), against 12's Node
server and a Python asyncio server, rounds interleaved: connections per second, time until every
echo is back, server memory per connection, bytes lost (must be 0).

--clients N   concurrent connections (default ${thousands(DEFAULTS.clients)}, at most ${thousands(MAX_CLIENTS)})
--bytes N     bytes each client sends and hears back (default ${DEFAULTS.bytes})
--rounds N    rounds per server; the median is shown (default ${DEFAULTS.rounds})`,
  flags: {
    clients: { type: 'string', default: String(DEFAULTS.clients) },
    bytes: { type: 'string', default: String(DEFAULTS.bytes) },
    rounds: { type: 'string', default: String(DEFAULTS.rounds) },
  },
  demo: run,
  render: renderClientsBench,
});

if (isMain(import.meta.url)) await runScript(cli);
