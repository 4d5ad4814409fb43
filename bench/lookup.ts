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
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../scripts/lib/catalog.ts';
import { defineScript, integerFlag, isMain, runScript, type Line } from '../scripts/lib/cli.ts';
import { nodeArgsFor, startNodeChild, type NodeChild } from '../scripts/lib/child.ts';
import { findTool, runTool } from '../scripts/lib/tools.ts';
import { onceWithin } from '../scripts/lib/wait.ts';
import { lookupPort } from '../scripts/lib/port-lookup.ts';
import { median } from '../scripts/lib/round-trips.ts';

const HOST = '127.0.0.1';
const SOCKETS_PER_HOLDER = 900;
const CONNECTIONS_PER_BATCH = 100; // well under the listen backlog, so no SYN is dropped
/** The project's tsx, as `npm run` and `npx` find it first on PATH. */
const tsx = join(ROOT, 'node_modules/.bin/tsx');

const USAGE = `
Usage: npm run bench:lookup -- [--sockets N] [--repeats R] [--json]

Opens N extra loopback sockets (default 2000) in holder processes, listens on one more port,
and times R rounds (default 15) of "who holds this port?" asked seven ways: 08's lookupPort()
in this process; 08 as a whole process through node (with and without NODE_COMPILE_CACHE), tsx
and npx tsx; ss -Hltnp 'sport = :PORT'; and lsof -nP -i :PORT. Beside them, the floors: node and
tsx starting an empty .ts file, and node loading only 08's lesson and the lookup (no command line,
no lab: bench/lean-lookup.ts), timed in the same rounds.

  --sockets N   extra sockets to open, 0 to 100000 (default 2000)
  --repeats R   rounds to time, 1 to 1000 (default 15)
  --json        print the results as one JSON document
  --help        show this text`;

const HOLDER = new URL('./socket-holder.ts', import.meta.url);
/** The lesson and the lookup alone, without 08's command line and lab: see bench/lean-lookup.ts. */
const LEAN_LOOKUP = 'bench/lean-lookup.ts';

async function startHolders(total: number): Promise<{ holders: NodeChild[]; sockets: number }> {
  const holders: NodeChild[] = [];
  let sockets = 0;
  try {
    for (let left = total; left > 0; left -= SOCKETS_PER_HOLDER) {
      const count = Math.min(left, SOCKETS_PER_HOLDER);
      const holder = await startNodeChild({
        module: HOLDER,
        args: [HOST, String(count), String(CONNECTIONS_PER_BATCH)],
      });
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
  /** A floor (an empty file) answers nothing: its output must be empty instead. */
  floor?: true;
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
  /**
   * In this order: lookupPort() in this process; 08 as a command through node, node with its compile
   * cache, tsx and npx tsx; ss; lsof; then the floors, node and tsx starting an empty .ts file, and
   * node loading only the lesson and the lookup (bench/lean-lookup.ts).
   */
  lookups: LookupTiming[];
}

export async function benchLookup(socketCount: number, repeats: number): Promise<LookupBench> {
  const [ss, lsof, npx] = await Promise.all([findTool('ss'), findTool('lsof'), findTool('npx')]);
  if (!ss || !lsof || !npx) throw new Error('the benchmark needs ss (iproute2), lsof and npx');
  const cache = await mkdtemp(join(tmpdir(), 'lookup-compile-cache-'));
  // The floor: the same node and tsx starting a .ts file with nothing in it.
  const emptyFolder = await mkdtemp(join(tmpdir(), 'lookup-empty-'));
  const empty = join(emptyFolder, 'empty.ts');
  await writeFile(empty, '');
  const server = createServer().listen(0, HOST);
  let holders: NodeChild[] = [];
  try {
    await onceWithin(server, 'listening', 2000, 'the listener to look up');
    const started = await startHolders(socketCount);
    holders = started.holders;
    const port = (server.address() as { port: number }).port;
    const command = async (file: string, args: string[], env?: NodeJS.ProcessEnv) => {
      const result = await runTool(file, args, 30_000, ROOT, env);
      if (result.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
      return result.stdout;
    };
    // 08 as a user runs it: whole processes, started the three ways README gives.
    const script = ['scripts/08-port-vs-pid.ts', '--port', String(port)];
    const contenders: Contender[] = [
      { name: '08 lookupPort() in this process', ask: async () => JSON.stringify(lookupPort(port)) },
      {
        name: `node ${script.join(' ')}`,
        // Without the compile cache, whatever the environment says: every run strips the types anew.
        ask: () =>
          command(process.execPath, nodeArgsFor(script[0], script.slice(1)), { NODE_COMPILE_CACHE: undefined }),
      },
      {
        // Node keeps the stripped TypeScript in its compile cache: later runs skip the stripper.
        name: `NODE_COMPILE_CACHE=DIR node ${script.join(' ')}`,
        ask: () => command(process.execPath, nodeArgsFor(script[0], script.slice(1)), { NODE_COMPILE_CACHE: cache }),
      },
      { name: `tsx ${script.join(' ')}`, ask: () => command(tsx, script) },
      { name: `npx tsx ${script.join(' ')}`, ask: () => command(npx, ['tsx', ...script]) },
      { name: `ss -Hltnp 'sport = :${port}'`, ask: () => command(ss, ['-Hltnp', `sport = :${port}`]) },
      { name: `lsof -nP -i :${port}`, ask: () => command(lsof, ['-nP', `-i:${port}`]) },
      {
        name: 'node EMPTY.ts (an empty file)',
        ask: () => command(process.execPath, nodeArgsFor(empty), { NODE_COMPILE_CACHE: undefined }),
        floor: true,
      },
      { name: 'tsx EMPTY.ts (an empty file)', ask: () => command(tsx, [empty]), floor: true },
      {
        name: `node ${LEAN_LOOKUP} ${port} (the lesson and the lookup alone)`,
        ask: () =>
          command(process.execPath, nodeArgsFor(LEAN_LOOKUP, [String(port)]), { NODE_COMPILE_CACHE: undefined }),
      },
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
        if (contender.floor ? answer !== '' : !ourPid.test(answer))
          throw new Error(`${contender.name} did not name pid ${process.pid}:\n${answer}`);
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
    await rm(cache, { recursive: true, force: true });
    await rm(emptyFolder, { recursive: true, force: true });
  }
}

export function renderLookupBench(result: LookupBench): Line[] {
  const ms = (value: number) => `${value.toFixed(2)} ms`.padStart(10);
  const width = Math.max(...result.lookups.map(({ name }) => name.length));
  const [inProcess, byNode, byCachedNode, byTsx, , bySs, byLsof, nodeFloor, tsxFloor, leanest] = result.lookups.map(
    (lookup) => lookup.median,
  );
  const times = (ours: number, theirs: number) => `${(ours / theirs).toFixed(2)}x`;
  return [
    [
      'bench',
      `${result.sockets} extra sockets open in ${result.holders} holder process(es); port ${result.port} held ` +
        `by pid ${result.pid}`,
    ],
    ['bench', `${result.repeats} round(s), each contender once per round, in turn`],
    ['lookup', `${''.padEnd(width)}  ${'median'.padStart(10)}  ${'min'.padStart(10)}  ${'max'.padStart(10)}`],
    ...result.lookups.map(
      ({ name, median, min, max }): Line => ['lookup', `${name.padEnd(width)}  ${ms(median)}  ${ms(min)}  ${ms(max)}`],
    ),
    ['verdict', `lookupPort() in this process takes ${times(inProcess, byLsof)} the time of lsof`],
    ['verdict', `08 as a process through tsx takes ${times(byTsx, byLsof)} the time of lsof (target: at most 3x)`],
    [
      'verdict',
      `08 as a process through plain node takes ${times(byNode, byLsof)} the time of lsof (target: under 1x)`,
    ],
    ['verdict', `08 as a process through plain node takes ${times(byNode, bySs)} the time of ss (target: at most 3x)`],
    [
      'verdict',
      `08 through node with its compile cache warm takes ${times(byCachedNode, byLsof)} the time of lsof, ` +
        `${times(byCachedNode, bySs)} that of ss`,
    ],
    [
      'verdict',
      `08 as a process through plain node takes ${times(byNode, nodeFloor)} the time of node starting an empty ` +
        '.ts file (target: at most 1.5x)',
    ],
    [
      'verdict',
      `08 as a process through tsx takes ${times(byTsx, tsxFloor)} the time of tsx starting an empty .ts file ` +
        '(target: at most 1.5x)',
    ],
    [
      'verdict',
      `the lesson and the lookup alone (no command line, no lab) take ${times(leanest, nodeFloor)} the time of ` +
        'node starting an empty .ts file',
    ],
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
