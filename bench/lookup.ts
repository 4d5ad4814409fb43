/**
 * Benchmark: who holds port P? 08's lookup side by side with `ss` and `lsof`, while many extra
 * loopback sockets are open on the machine (each answer has to scan every process's descriptors).
 *
 * Run: npm run bench:lookup -- [--sockets 2000] [--repeats 15]
 *
 * Holder processes open the extra sockets (TCP connections to their own listener, both ends in
 * the holder); each holder keeps under 1,000 descriptors, so a 1,024 descriptor limit is enough.
 * This process listens on the port to look up. Each round runs every contender once, in turn,
 * and the table reports the median, the fastest and the slowest of the rounds.
 */
import { performance } from 'node:perf_hooks';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { defineScript, integerFlag, isMain, runScript, type Line } from '../scripts/lib/cli.ts';
import { nodeArgsFor, startNodeChild, type NodeChild } from '../scripts/lib/child.ts';
import { findTool, runTool } from '../scripts/lib/tools.ts';
import { onceWithin } from '../scripts/lib/wait.ts';
import { lookupPort } from '../scripts/08-port-vs-pid.ts';
import { median } from '../scripts/11-tcp-vs-udp.ts';

const HOST = '127.0.0.1';
const SOCKETS_PER_HOLDER = 900;
const CONNECTIONS_PER_BATCH = 100; // well under the listen backlog, so no SYN is dropped
const SCRIPT_08 = fileURLToPath(new URL('../scripts/08-port-vs-pid.ts', import.meta.url));

const USAGE = `
Usage: npm run bench:lookup -- [--sockets N] [--repeats R] [--json]

Opens N extra loopback sockets (default 2000) in holder processes, listens on one more port,
and times R rounds (default 15) of "who holds this port?" asked four ways: 08's lookupPort()
in this process, 08 as a command, ss -Hltnp 'sport = :PORT' and lsof -nP -i :PORT.

  --sockets N   extra sockets to open, 0 to 100000 (default 2000)
  --repeats R   rounds to time, 1 to 1000 (default 15)
  --json        print the results as one JSON document
  --help        show this text`;

/** A holder: a listener plus connections to it, both ends kept, until it holds `count` sockets or one more. */
const holderSource = (count: number) => `
const net = require('node:net');
const kept = [];
let onAccepted = () => {};
const server = net.createServer((socket) => {
  kept.push(socket);
  onAccepted();
});
server.listen({ host: ${JSON.stringify(HOST)}, port: 0, backlog: 511 }, async () => {
  const { port } = server.address();
  const pairs = Math.ceil((${count} - 1) / 2);
  for (let done = 0; done < pairs; ) {
    const batch = Math.min(${CONNECTIONS_PER_BATCH}, pairs - done);
    await Promise.all(Array.from({ length: batch }, () => new Promise((resolve, reject) => {
      const client = net.connect(port, ${JSON.stringify(HOST)}, () => resolve());
      client.on('error', reject);
      kept.push(client);
    })));
    done += batch;
  }
  // Every connection's server end is accepted too before we count.
  await new Promise((resolve) => (onAccepted = () => kept.length >= 2 * pairs && resolve())());
  process.send({ sockets: 1 + kept.length });
});
`;

async function startHolders(total: number): Promise<{ holders: NodeChild[]; sockets: number }> {
  const holders: NodeChild[] = [];
  let sockets = 0;
  try {
    for (let left = total; left > 0; left -= SOCKETS_PER_HOLDER) {
      const holder = await startNodeChild(holderSource(Math.min(left, SOCKETS_PER_HOLDER)));
      holders.push(holder);
      sockets += (await holder.next<{ sockets: number }>(30_000, 'a holder to open its sockets')).sockets;
    }
    return { holders, sockets };
  } catch (error) {
    await Promise.all(holders.map((holder) => holder.stop()));
    throw error;
  }
}

interface Contender {
  name: string;
  /** Runs one lookup and returns its output, so each timed answer can be checked. */
  ask(): Promise<string>;
}

/** One way of asking, with the median, fastest and slowest of its rounds in ms. */
export interface LookupTiming {
  name: string;
  median: number;
  min: number;
  max: number;
}

export interface LookupBench {
  sockets: number;
  holders: number;
  port: number;
  pid: number;
  repeats: number;
  /** In this order: lookupPort() in this process, 08 as a command, ss, lsof. */
  lookups: LookupTiming[];
}

export async function benchLookup(socketCount: number, repeats: number): Promise<LookupBench> {
  const [ss, lsof] = await Promise.all([findTool('ss'), findTool('lsof')]);
  if (!ss || !lsof) throw new Error('the benchmark needs ss (iproute2) and lsof');
  const server = createServer().listen(0, HOST);
  let holders: NodeChild[] = [];
  try {
    await onceWithin(server, 'listening', 2000, 'the listener to look up');
    const started = await startHolders(socketCount);
    holders = started.holders;
    const port = (server.address() as { port: number }).port;
    const command = async (file: string, args: string[]) => {
      const result = await runTool(file, args, 30_000);
      if (result.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
      return result.stdout;
    };
    const contenders: Contender[] = [
      { name: '08 lookupPort() in this process', ask: async () => JSON.stringify(lookupPort(port)) },
      {
        name: `node scripts/08-port-vs-pid.ts --port ${port}`,
        ask: () => command(process.execPath, nodeArgsFor(SCRIPT_08, ['--port', String(port)])),
      },
      { name: `ss -Hltnp 'sport = :${port}'`, ask: () => command(ss, ['-Hltnp', `sport = :${port}`]) },
      { name: `lsof -nP -i :${port}`, ask: () => command(lsof, ['-nP', `-i:${port}`]) },
    ];

    // A time counts only for a right answer: every one must name this process behind the port (checked after the clock
    // stops).
    const ourPid = new RegExp(`(pid"?[=:]? ?${process.pid}\\b)|(\\s${process.pid}\\s)`);
    const times = contenders.map(() => [] as number[]);
    for (let round = 0; round < repeats; round++) {
      for (const [i, contender] of contenders.entries()) {
        const start = performance.now();
        const answer = await contender.ask();
        times[i].push(performance.now() - start);
        if (!ourPid.test(answer)) throw new Error(`${contender.name} did not name pid ${process.pid}:\n${answer}`);
      }
    }
    const lookups = contenders.map(({ name }, i) => ({
      name,
      median: median(times[i]),
      min: Math.min(...times[i]),
      max: Math.max(...times[i]),
    }));
    return { sockets: started.sockets, holders: holders.length, port, pid: process.pid, repeats, lookups };
  } finally {
    server.close();
    await Promise.all(holders.map((holder) => holder.stop()));
  }
}

export function renderLookupBench(result: LookupBench): Line[] {
  const ms = (value: number) => `${value.toFixed(2)} ms`.padStart(10);
  const width = Math.max(...result.lookups.map(({ name }) => name.length));
  const [inProcess, , bySs, byLsof] = result.lookups.map((lookup) => lookup.median);
  return [
    [
      'bench',
      `${result.sockets} extra sockets open in ${result.holders} holder process(es); port ${result.port} held by pid ${result.pid}`,
    ],
    ['bench', `${result.repeats} round(s), each contender once per round, in turn`],
    ['lookup', `${''.padEnd(width)}  ${'median'.padStart(10)}  ${'min'.padStart(10)}  ${'max'.padStart(10)}`],
    ...result.lookups.map(
      ({ name, median, min, max }): Line => ['lookup', `${name.padEnd(width)}  ${ms(median)}  ${ms(min)}  ${ms(max)}`],
    ),
    ['verdict', `08's lookup takes ${(inProcess / byLsof).toFixed(2)}x the time of lsof (target: under 1x)`],
    ['verdict', `08's lookup takes ${(inProcess / bySs).toFixed(2)}x the time of ss (target: at most 3x)`],
  ];
}

export const cli = defineScript({
  usage: USAGE,
  flags: {
    sockets: { type: 'string', default: '2000' },
    repeats: { type: 'string', default: '15' },
  },
  demo: (values) => benchLookup(integerFlag(values, 'sockets', 0, 100_000), integerFlag(values, 'repeats', 1, 1000)),
  render: renderLookupBench,
});

if (isMain(import.meta.url)) await runScript(cli);
