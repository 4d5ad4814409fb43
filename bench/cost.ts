/**
 * The cost benchmark: 11's measurements with the servers in a separate process, next to the C tools
 * sockperf (UDP and TCP ping-pong) and iperf3 (TCP throughput) on loopback, as ratios: how much of
 * the cost is the protocol and how much the runtime. Like is compared with like: round trips per
 * second are completed round trips over elapsed time with one request of MESSAGE_BYTES in flight on
 * both sides, and iperf3 moves as many bytes per run (-n), in writes as large (-l), as many times as ours.
 *
 * Run: npm run bench   (npm run bench -- --help for the knobs)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { findUnheldPort } from '../scripts/lib/udp.ts';
import { measureSpeed, speedOptionsFrom, type SpeedOptions } from '../scripts/lab/11-tcp-vs-udp.ts';
import { ROOT } from '../scripts/lib/catalog.ts';
import { BULK_CHUNK, MESSAGE_BYTES, median, tcpRoundTrips, udpRoundTrips } from '../scripts/lib/round-trips.ts';
import {
  defineScript,
  integerFlag,
  isMain,
  runScript,
  thousands,
  UsageError,
  type FlagValues,
  type Line,
} from '../scripts/lib/cli.ts';
import { readSysctl, readTable, type Table } from '../scripts/lib/proc-net.ts';
import { findTool, runTool } from '../scripts/lib/tools.ts';
import { nodeArgsFor, stopProcess } from '../scripts/lib/child.ts';
import { readProcessStat, threadCpu } from '../scripts/lib/proc-stat.ts';
import { until, within } from '../scripts/lib/wait.ts';

const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 10_000;
/** A tool server that loses the race for its port gets this many more tries on other ports. */
const PORT_ATTEMPTS = 3;
/** The unit of the CPU times in /proc/PID/stat (USER_HZ): 100 per second on every Linux Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

export const DEFAULTS = { roundTrips: 1000, runs: 5, bulkMib: 256, warmUpRounds: 4, seconds: 2 } as const;

export interface BenchOptions extends SpeedOptions {
  /** How long sockperf measures (whole seconds; it pauses 2 s more after its warm-up). */
  seconds: number;
}

/** CPU time spent per round trip by each end, in µs, all threads counted. */
export interface Cpu {
  client: number;
  server: number;
}

/** Every run of one measurement and their median; for round trips, also the CPU they cost. */
export interface Runs {
  runs: number[];
  median: number;
  cpu?: Cpu;
}

export interface Row {
  measurement: string;
  unit: string;
  ours: Runs;
  /**
   * The C tool's figures and the command that produced them; null when the tool is not installed.
   * For iperf3, `counted` is the share of the bytes sent that its receiver counted, per run.
   */
  tool: ({ name: string; command: string; counted?: number[] } & Runs) | null;
}

export interface BenchResult {
  options: BenchOptions;
  rows: Row[];
  /** Every port a server of this run listened on; all of them closed again at the end. */
  ports: number[];
}

/** Starts 11's servers in their own process and reads their ports from its "listening on" lines. */
async function startOurServers(
  running: ChildProcess[],
): Promise<{ udpEcho: number; tcpEcho: number; tcpSink: number }> {
  const child = spawn(process.execPath, nodeArgsFor('scripts/11-tcp-vs-udp.ts', ['--serve', '--host', HOST]), {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  // Its stderr is shown only if it fails: one that works writes just "SIGTERM: closing" there, which would land above
  // the table.
  let diagnostics = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (diagnostics += text));
  // 'close', not 'exit': it comes after the last of stderr.
  child.once(
    'close',
    (code, signal) => code !== 0 && process.stderr.write(`11 --serve exited (${code ?? signal}): ${diagnostics}`),
  );
  let output = '';
  const ports = new Promise<Record<string, number>>((resolve) =>
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      output += text;
      const found = Object.fromEntries(
        [...output.matchAll(/^listening on \S+:(\d+) \((udp echo|tcp echo|tcp sink)/gm)].map((match) => [
          match[2],
          Number(match[1]),
        ]),
      );
      if (Object.keys(found).length === 3) resolve(found);
    }),
  );
  const died = once(child, 'exit').then(([code]) =>
    Promise.reject(new Error(`11 --serve exited (${code}) before listening`)),
  );
  died.catch(() => {});
  const found = await within(Promise.race([ports, died]), START_TIMEOUT_MS, "11's servers to listen");
  return { udpEcho: found['udp echo'], tcpEcho: found['tcp echo'], tcpSink: found['tcp sink'] };
}

/**
 * Starts a C tool's server on a port nobody holds. The port is free when chosen but another process
 * may take it first; the server then exits at once, and we try again on another port.
 */
async function startToolServer(
  tool: string,
  argsFor: (port: number) => string[],
  protocol: 'udp' | 'tcp',
  running: ChildProcess[],
): Promise<{ port: number; pid: number }> {
  const tables: Table[] = protocol === 'udp' ? ['udp', 'udp6'] : ['tcp', 'tcp6'];
  const failures: string[] = [];
  for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
    const port = await findUnheldPort(tables);
    const child = spawn(tool, argsFor(port), { stdio: ['ignore', 'ignore', 'pipe'] });
    running.push(child);
    let diagnostics = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (diagnostics += text));
    const bound = until(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) return false;
        const rows = await readTable(protocol, [port]);
        return rows.some((row) => row.localPort === port && (protocol === 'udp' || row.state === 'LISTEN'))
          ? true
          : undefined;
      },
      START_TIMEOUT_MS,
      `${tool} to bind port ${port}`,
    );
    if (await bound) return { port, pid: child.pid! };
    failures.push(`port ${port}: ${diagnostics.trim().split('\n').pop() ?? `exit ${child.exitCode}`}`);
  }
  throw new Error(`${tool} could not start a server (${failures.join('; ')})`);
}

/** CPU time used so far by every thread of process `pid`, in µs, from the scheduler's own account (ns). */
function cpuMicrosOf(pid: number): number {
  return threadCpu(pid).reduce((sum, { cpuNs }) => sum + cpuNs, 0) / 1000;
}

/** CPU time, in µs, of this process's children that have ended and been reaped (cutime + cstime). */
function reapedChildrenCpuMicros(): number {
  const stat = readProcessStat('self');
  if (!stat) throw new Error('/proc/self/stat is not readable here');
  return ((stat.childrenUserTicks + stat.childrenSystemTicks) / CLOCK_TICKS_PER_SECOND) * 1e6;
}

/** Our CPU per round trip: this process is the client, `serverPid` the server, over `count` more round trips. */
async function ourCpu(roundTrips: (count: number) => Promise<number>, serverPid: number, count: number): Promise<Cpu> {
  const serverBefore = cpuMicrosOf(serverPid);
  const clientBefore = process.cpuUsage();
  await roundTrips(count);
  const client = process.cpuUsage(clientBefore);
  const server = cpuMicrosOf(serverPid) - serverBefore;
  return { client: (client.user + client.system) / count, server: server / count };
}

/**
 * sockperf ping-pong: round trips per second, computed as ours is (completed round trips over elapsed
 * time, one in flight) from its "[Valid Duration]" line, which leaves out its warm-up and cool-down.
 * Its own summary prints a latency that is half the round trip; the ratio does not use it.
 */
async function sockperfRoundTrips(
  sockperf: string,
  protocol: 'udp' | 'tcp',
  seconds: number,
  running: ChildProcess[],
  ports: number[],
): Promise<Row['tool']> {
  const tcp = protocol === 'tcp' ? ['--tcp'] : [];
  const server = await startToolServer(
    sockperf,
    (candidate) => ['server', '-i', HOST, '-p', String(candidate), ...tcp],
    protocol,
    running,
  );
  ports.push(server.port);
  const args = [
    'ping-pong',
    '-i',
    HOST,
    '-p',
    String(server.port),
    '-t',
    String(seconds),
    '-m',
    String(MESSAGE_BYTES),
    ...tcp,
  ];
  const [serverBefore, clientBefore] = [cpuMicrosOf(server.pid), reapedChildrenCpuMicros()];
  const result = await runTool(sockperf, args, (seconds + 10) * 1000);
  const [serverCpu, clientCpu] = [cpuMicrosOf(server.pid) - serverBefore, reapedChildrenCpuMicros() - clientBefore];
  const output = result.stdout + result.stderr;
  const valid = /\[Valid Duration\] RunTime=([\d.]+) sec; SentMessages=\d+; ReceivedMessages=(\d+)/.exec(output);
  const total = /\[Total Run\] .*ReceivedMessages=(\d+)/.exec(output);
  if (result.code !== 0 || !valid || !total)
    throw new Error(
      `sockperf ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.trim().split('\n').pop()}`,
    );
  const perSecond = Number(valid[2]) / Number(valid[1]);
  // The CPU covers the whole run (warm-up included, and the client's start and summary), so it is divided by all its
  // round trips.
  const cpu = { client: clientCpu / Number(total[1]), server: serverCpu / Number(total[1]) };
  return { name: 'sockperf', runs: [perSecond], median: perSecond, cpu, command: `sockperf ${args.join(' ')}` };
}

/**
 * The least --bulk-mib that iperf3 can measure, in MiB. Its receiver stops counting as soon as the
 * sender's "test over" message arrives on the control connection and ignores bytes still in flight
 * (esnet/iperf#382). Those are at most what the sender's and the receiver's socket buffers can hold
 * (the maxima of net.ipv4.tcp_wmem and tcp_rmem): the sender's last write returns only once its data
 * fits there. A transfer twice that size is therefore at least half counted; a shorter one may be
 * counted not at all (1 MiB on loopback often counts 0 bytes).
 */
export async function iperf3MinimumMib(): Promise<number> {
  const maximum = async (name: string) => Number((await readSysctl(`net/ipv4/${name}`)).split(/\s+/)[2]);
  const inFlight = (await maximum('tcp_wmem')) + (await maximum('tcp_rmem'));
  return Math.ceil((2 * inFlight) / (1024 * 1024));
}

/**
 * iperf3: TCP throughput in MB/s over `runs` transfers of `bytes` each, written as ours are. The
 * figure is its receiver's: the bytes it counted over the time it counted them, while the pipe was
 * full. `counted` keeps, per run, the share of the bytes sent that the receiver counted.
 */
async function iperf3Throughput(
  iperf3: string,
  bytes: number,
  runs: number,
  running: ChildProcess[],
  ports: number[],
): Promise<Row['tool']> {
  const { port } = await startToolServer(
    iperf3,
    (candidate) => ['-s', '-B', HOST, '-p', String(candidate)],
    'tcp',
    running,
  );
  ports.push(port);
  const args = ['-c', HOST, '-p', String(port), '-n', String(bytes), '-l', String(BULK_CHUNK), '-J'];
  const throughputs: number[] = [];
  const counted: number[] = [];
  for (let run = 0; run < runs; run++) {
    const result = await runTool(iperf3, args, START_TIMEOUT_MS + Math.ceil(bytes / 1e5));
    if (result.code !== 0)
      throw new Error(`iperf3 ${args.join(' ')} failed (exit ${result.code}): ${result.stdout.slice(0, 200)}`);
    type Sum = { bytes: number; bits_per_second: number };
    const { sum_sent: sent, sum_received: received } = (
      JSON.parse(result.stdout) as { end: { sum_sent: Sum; sum_received: Sum } }
    ).end;
    throughputs.push(received.bits_per_second / 8 / 1e6);
    counted.push(received.bytes / sent.bytes);
  }
  return {
    name: 'iperf3',
    runs: throughputs,
    median: median(throughputs),
    counted,
    command: `iperf3 ${args.join(' ')}`,
  };
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const sockperf = await findTool('sockperf');
  const iperf3 = await findTool('iperf3');
  const iperf3Minimum = iperf3 ? await iperf3MinimumMib() : 0;
  if (options.bulkMib < iperf3Minimum) {
    throw new UsageError(
      `--bulk-mib must be at least ${iperf3Minimum} for iperf3 to count the transfer (twice the tcp_wmem + ` +
        `tcp_rmem maxima), got ${options.bulkMib}`,
    );
  }
  const running: ChildProcess[] = [];
  const ports: number[] = [];
  try {
    const servers = await startOurServers(running);
    ports.push(servers.udpEcho, servers.tcpEcho, servers.tcpSink);
    const ours = await measureSpeed(servers, options);
    // The CPU both ends spend, over as many more round trips as were timed.
    const cpuCount = options.roundTrips * options.runs;
    const udpCpu = await ourCpu((count) => udpRoundTrips(servers.udpEcho, count, HOST), running[0].pid!, cpuCount);
    const tcpCpu = await ourCpu((count) => tcpRoundTrips(servers.tcpEcho, count, HOST), running[0].pid!, cpuCount);
    await stopProcess(running[0]);

    const rows: Row[] = [
      {
        measurement: 'UDP round trips',
        unit: '/s',
        ours: { ...ours.udp, cpu: udpCpu },
        tool: sockperf ? await sockperfRoundTrips(sockperf, 'udp', options.seconds, running, ports) : null,
      },
      {
        measurement: 'TCP round trips, kept connection',
        unit: '/s',
        ours: { ...ours.tcpKept, cpu: tcpCpu },
        tool: sockperf ? await sockperfRoundTrips(sockperf, 'tcp', options.seconds, running, ports) : null,
      },
      { measurement: 'TCP round trips, new connection each', unit: '/s', ours: ours.tcpConnectEach, tool: null },
      {
        measurement: 'TCP bulk throughput',
        unit: 'MB/s',
        ours: ours.bulkMBps,
        tool: iperf3
          ? await iperf3Throughput(iperf3, options.bulkMib * 1024 * 1024, options.runs, running, ports)
          : null,
      },
    ];
    return { options, rows, ports };
  } finally {
    await Promise.all(running.map(stopProcess));
  }
}

/** A median with the spread of the runs behind it, e.g. "21,530 (19,870–22,410)". */
const withSpread = ({ runs, median }: Runs) =>
  runs.length > 1
    ? `${thousands(median)} (${thousands(Math.min(...runs))}–${thousands(Math.max(...runs))})`
    : thousands(median);
const micros = (value: number) => value.toFixed(1);
const WIDTH = { measurement: 38, figures: 26 };

export function renderBench(result: BenchResult): Line[] {
  const { options } = result;
  const lines: Line[] = [
    [
      'bench',
      `ours: Node ${process.version}, servers in another process; ${options.runs} runs each of ` +
        `${options.roundTrips} round trips of ${MESSAGE_BYTES} bytes and of ${options.bulkMib} MiB bulk`,
    ],
    [
      'bench',
      `round trips/s on both sides = completed round trips / elapsed time, one ${MESSAGE_BYTES}-byte request in ` +
        `flight; iperf3 moves ${options.bulkMib} MiB per run in ${BULK_CHUNK / 1024} KiB writes, ` +
        `${options.runs} runs, as ours`,
    ],
    [
      'bench',
      `${'measurement'.padEnd(WIDTH.measurement)} ${'ours: median (min–max)'.padStart(WIDTH.figures)} ` +
        `${'C tool'.padStart(WIDTH.figures)}  ours/tool`,
    ],
  ];
  for (const row of result.rows) {
    const tool = row.tool
      ? `${withSpread(row.tool).padStart(WIDTH.figures)}  ${(row.ours.median / row.tool.median).toFixed(2)} ` +
        `(${row.tool.name})`
      : `${'-'.padStart(WIDTH.figures)}  no C tool ` +
        `${row.measurement.includes('new connection') ? 'measures this' : 'installed'}`;
    lines.push([
      'bench',
      `${`${row.measurement} ${row.unit}`.padEnd(WIDTH.measurement)} ` +
        `${withSpread(row.ours).padStart(WIDTH.figures)} ${tool}`,
    ]);
  }
  const withCpu = result.rows.filter((row) => row.ours.cpu);
  if (withCpu.length > 0)
    lines.push([
      'bench',
      "CPU per round trip in µs, client + server = both ends, of the round trip's time (1 s / rate):",
    ]);
  const cpuOf = (name: string, { cpu, median }: Runs) =>
    `${name} ${micros(cpu!.client)} + ${micros(cpu!.server)} = ${micros(cpu!.client + cpu!.server)} of ` +
    `${micros(1e6 / median)}`;
  for (const row of withCpu)
    lines.push([
      'bench',
      `${row.measurement.padEnd(WIDTH.measurement)} ` +
        `${[cpuOf('ours', row.ours), ...(row.tool?.cpu ? [cpuOf(row.tool.name, row.tool)] : [])].join('   ')}`,
    ]);
  for (const row of result.rows) if (row.tool) lines.push(['command', row.tool.command]);
  const counted = result.rows.find((row) => row.tool?.counted)?.tool?.counted;
  if (counted) {
    const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
    const [least, most] = [percent(Math.min(...counted)), percent(Math.max(...counted))];
    const spread = least === most ? least : `${least}–${most}`;
    lines.push([
      'iperf3',
      `its receiver counted ${spread} of the bytes sent (it ignores what is in flight when told to stop); its ` +
        `rate covers those bytes`,
    ]);
  }
  return lines;
}

function optionsFrom(values: FlagValues): BenchOptions {
  return {
    ...speedOptionsFrom(values),
    warmUpRounds: integerFlag(values, 'warm-up-rounds', 0, 100),
    seconds: integerFlag(values, 'seconds', 1, 10),
  };
}

export const cli = defineScript({
  usage: `
Usage: npm run bench -- [--round-trips N] [--runs N] [--bulk-mib MIB] [--warm-up-rounds N] [--seconds S] [--json]

Runs 11's speed measurements against its servers in a separate process, then sockperf ping-pong
(UDP and TCP) and iperf3 (TCP) on ${HOST} where installed, and prints ours against theirs.
Round trips per second are counted alike on both sides: completed round trips over elapsed time,
one request of ${MESSAGE_BYTES} bytes in flight. iperf3 moves --bulk-mib per run, --runs times, in
writes of ${BULK_CHUNK / 1024} KiB, as ours does.

  --round-trips N     round trips per run and kind (default ${DEFAULTS.roundTrips})
  --runs N            runs per measurement; the median is used (default ${DEFAULTS.runs})
  --bulk-mib MIB      bytes per bulk run, ours and iperf3's, in MiB (default ${DEFAULTS.bulkMib}); with
                      iperf3 installed, at least twice the tcp_wmem + tcp_rmem maxima, or its
                      receiver may count none of it
  --warm-up-rounds N  rounds of ours run first and not counted, while V8 compiles both ends
                      (default ${DEFAULTS.warmUpRounds}; sockperf likewise leaves out its first 400 ms)
  --seconds S         how long each sockperf run measures, in whole seconds (default ${DEFAULTS.seconds});
                      sockperf adds a 2 s pause after its warm-up, whatever S is
  --json              print the results as one JSON document
  --help              show this text`,
  flags: {
    'round-trips': { type: 'string', default: String(DEFAULTS.roundTrips) },
    runs: { type: 'string', default: String(DEFAULTS.runs) },
    'bulk-mib': { type: 'string', default: String(DEFAULTS.bulkMib) },
    'warm-up-rounds': { type: 'string', default: String(DEFAULTS.warmUpRounds) },
    seconds: { type: 'string', default: String(DEFAULTS.seconds) },
  },
  demo: (values) => runBench(optionsFrom(values)),
  render: renderBench,
});

if (isMain(import.meta.url)) await runScript(cli);
