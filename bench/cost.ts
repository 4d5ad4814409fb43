/**
 * The cost benchmark: 11's measurements with the servers in a separate process, next to the C tools
 * sockperf (UDP and TCP ping-pong) and iperf3 (TCP throughput) on loopback, as ratios: how much of
 * the cost is the protocol and how much the runtime.
 *
 * Run: npm run bench   (npm run bench -- --help for the knobs)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { findUnheldPort } from '../scripts/10-udp-fire-and-forget.ts';
import { measureSpeed, MESSAGE_BYTES, speedOptionsFrom, type SpeedOptions } from '../scripts/11-tcp-vs-udp.ts';
import { integerFlag, isMain, runScript, type FlagValues, type Line } from '../scripts/lib/cli.ts';
import { readTable, type Table } from '../scripts/lib/proc-net.ts';
import { findTool, runTool } from '../scripts/lib/tools.ts';
import { until, within } from '../scripts/lib/wait.ts';

const HOST = '127.0.0.1';
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5000;
/** A tool server that loses the race for its port gets this many more tries on other ports. */
const PORT_ATTEMPTS = 3;

export const DEFAULTS = { roundTrips: 1000, runs: 5, bulkMib: 64, seconds: 2 } as const;

export interface BenchOptions extends SpeedOptions {
  /** How long each C tool measures. */
  seconds: number;
}

export interface Row {
  measurement: string;
  unit: string;
  ours: number;
  /** The C tool's figure and the command that produced it; null when the tool is not installed. */
  tool: { name: string; value: number; command: string } | null;
}

export interface BenchResult {
  options: BenchOptions;
  rows: Row[];
  /** Every port a server of this run listened on; all of them closed again at the end. */
  ports: number[];
}

/** Ends a server process and waits for it: SIGTERM first, SIGKILL if it does not go. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  try {
    await within(exited, STOP_TIMEOUT_MS, `pid ${child.pid} to exit after SIGTERM`);
  } catch {
    child.kill('SIGKILL');
    await within(exited, STOP_TIMEOUT_MS, `pid ${child.pid} to exit after SIGKILL`);
  }
}

/** Starts 11's servers in their own process and reads their ports from its "listening on" lines. */
async function startOurServers(running: ChildProcess[]): Promise<{ udpEcho: number; tcpEcho: number; tcpSink: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/11-tcp-vs-udp.ts', '--serve', '--host', HOST], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  running.push(child);
  let output = '';
  const ports = new Promise<Record<string, number>>((resolve) =>
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      output += text;
      const found = Object.fromEntries([...output.matchAll(/^listening on \S+:(\d+) \((udp echo|tcp echo|tcp sink)/gm)].map((match) => [match[2], Number(match[1])]));
      if (Object.keys(found).length === 3) resolve(found);
    }),
  );
  const died = once(child, 'exit').then(([code]) => Promise.reject(new Error(`11 --serve exited (${code}) before listening`)));
  died.catch(() => {});
  const found = await within(Promise.race([ports, died]), START_TIMEOUT_MS, "11's servers to listen");
  return { udpEcho: found['udp echo'], tcpEcho: found['tcp echo'], tcpSink: found['tcp sink'] };
}

/**
 * Starts a C tool's server on a port nobody holds. The port is free when chosen but another process
 * may take it first; the server then exits at once, and we try again on another port.
 */
async function startToolServer(tool: string, argsFor: (port: number) => string[], protocol: 'udp' | 'tcp', running: ChildProcess[]): Promise<number> {
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
        const rows = await readTable(protocol);
        return rows.some((row) => row.localPort === port && (protocol === 'udp' || row.state === 'LISTEN')) ? true : undefined;
      },
      START_TIMEOUT_MS,
      `${tool} to bind port ${port}`,
    );
    if (await bound) return port;
    failures.push(`port ${port}: ${diagnostics.trim().split('\n').pop() ?? `exit ${child.exitCode}`}`);
  }
  throw new Error(`${tool} could not start a server (${failures.join('; ')})`);
}

/** sockperf ping-pong: round trips per second, from its "[Valid Duration]" line (warm-up excluded). */
async function sockperfRoundTrips(sockperf: string, protocol: 'udp' | 'tcp', seconds: number, running: ChildProcess[], ports: number[]): Promise<Row['tool']> {
  const tcp = protocol === 'tcp' ? ['--tcp'] : [];
  const port = await startToolServer(sockperf, (candidate) => ['server', '-i', HOST, '-p', String(candidate), ...tcp], protocol, running);
  ports.push(port);
  const args = ['ping-pong', '-i', HOST, '-p', String(port), '-t', String(seconds), '-m', String(MESSAGE_BYTES), ...tcp];
  const result = await runTool(sockperf, args, (seconds + 10) * 1000);
  const match = /\[Valid Duration\] RunTime=([\d.]+) sec; SentMessages=\d+; ReceivedMessages=(\d+)/.exec(result.stdout + result.stderr);
  if (result.code !== 0 || !match) throw new Error(`sockperf ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.trim().split('\n').pop()}`);
  return { name: 'sockperf', value: Number(match[2]) / Number(match[1]), command: `sockperf ${args.join(' ')}` };
}

/** iperf3: TCP throughput in MB/s as the receiver counted it. */
async function iperf3Throughput(iperf3: string, seconds: number, running: ChildProcess[], ports: number[]): Promise<Row['tool']> {
  const port = await startToolServer(iperf3, (candidate) => ['-s', '-B', HOST, '-p', String(candidate), '-1'], 'tcp', running);
  ports.push(port);
  const args = ['-c', HOST, '-p', String(port), '-t', String(seconds), '-J'];
  const result = await runTool(iperf3, args, (seconds + 10) * 1000);
  if (result.code !== 0) throw new Error(`iperf3 ${args.join(' ')} failed (exit ${result.code}): ${result.stdout.slice(0, 200)}`);
  const report = JSON.parse(result.stdout) as { end: { sum_received: { bits_per_second: number } } };
  return { name: 'iperf3', value: report.end.sum_received.bits_per_second / 8 / 1e6, command: `iperf3 ${args.join(' ')}` };
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const running: ChildProcess[] = [];
  const ports: number[] = [];
  try {
    const servers = await startOurServers(running);
    ports.push(servers.udpEcho, servers.tcpEcho, servers.tcpSink);
    const ours = await measureSpeed(servers, options);
    await stopProcess(running[0]);

    const sockperf = await findTool('sockperf');
    const iperf3 = await findTool('iperf3');
    const rows: Row[] = [
      { measurement: 'UDP round trips', unit: '/s', ours: ours.udp.median, tool: sockperf ? await sockperfRoundTrips(sockperf, 'udp', options.seconds, running, ports) : null },
      { measurement: 'TCP round trips, kept connection', unit: '/s', ours: ours.tcpKept.median, tool: sockperf ? await sockperfRoundTrips(sockperf, 'tcp', options.seconds, running, ports) : null },
      { measurement: 'TCP round trips, new connection each', unit: '/s', ours: ours.tcpConnectEach.median, tool: null },
      { measurement: 'TCP bulk throughput', unit: 'MB/s', ours: ours.bulkMBps.median, tool: iperf3 ? await iperf3Throughput(iperf3, options.seconds, running, ports) : null },
    ];
    return { options, rows, ports };
  } finally {
    await Promise.all(running.map(stopProcess));
  }
}

const figure = (value: number) => Math.round(value).toLocaleString('en-US');

export function renderBench(result: BenchResult): Line[] {
  const { options } = result;
  const lines: Line[] = [
    ['bench', `ours: Node ${process.version}, servers in another process, medians of ${options.runs} runs (${options.roundTrips} round trips of ${MESSAGE_BYTES} bytes, ${options.bulkMib} MiB bulk)`],
    ['bench', `${'measurement'.padEnd(38)} ${'ours'.padStart(10)} ${'C tool'.padStart(10)}  ours/tool`],
  ];
  for (const row of result.rows) {
    const tool = row.tool ? `${figure(row.tool.value).padStart(10)}  ${(row.ours / row.tool.value).toFixed(2)} (${row.tool.name})` : `${'-'.padStart(10)}  no C tool ${row.measurement.includes('new connection') ? 'measures this' : 'installed'}`;
    lines.push(['bench', `${`${row.measurement} ${row.unit}`.padEnd(38)} ${figure(row.ours).padStart(10)} ${tool}`]);
  }
  for (const row of result.rows) if (row.tool) lines.push(['command', row.tool.command]);
  return lines;
}

function optionsFrom(values: FlagValues): BenchOptions {
  return { ...speedOptionsFrom(values), seconds: integerFlag(values, 'seconds', 1, 10) };
}

if (isMain(import.meta.url)) {
  await runScript({
    usage: `
Usage: npm run bench -- [--round-trips N] [--runs N] [--bulk-mib MIB] [--seconds S] [--json]

Runs 11's speed measurements against its servers in a separate process, then sockperf ping-pong
(UDP and TCP) and iperf3 (TCP) on ${HOST} where installed, and prints ours against theirs.

  --round-trips N  round trips per run and kind (default ${DEFAULTS.roundTrips})
  --runs N         runs per measurement; the median is used (default ${DEFAULTS.runs})
  --bulk-mib MIB   bytes per bulk run, in MiB (default ${DEFAULTS.bulkMib})
  --seconds S      how long each C tool measures (default ${DEFAULTS.seconds})
  --json           print the results as one JSON document
  --help           show this text`,
    flags: {
      'round-trips': { type: 'string', default: String(DEFAULTS.roundTrips) },
      runs: { type: 'string', default: String(DEFAULTS.runs) },
      'bulk-mib': { type: 'string', default: String(DEFAULTS.bulkMib) },
      seconds: { type: 'string', default: String(DEFAULTS.seconds) },
    },
    demo: (values) => runBench(optionsFrom(values)),
    render: renderBench,
  });
}
