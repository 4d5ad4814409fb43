/**
 * The cost benchmark (npm run bench) runs end to end, once, with small knobs; both tests read that
 * one run. No speed is asserted: the figures depend on the machine. The tests check that every row
 * is measured, that each C tool installed is compared on the same terms as ours (message size,
 * bytes and write size per run, number of runs), that the CPU both ends spend per round trip is
 * accounted, that the table a person reads has a ratio for each compared row, and that no server
 * is left behind.
 *
 * The run takes about 8 s, nearly all of it sockperf's: its client pauses 2 s after its warm-up
 * (a fixed sleep in its source) and measures for at least 1 s, once for UDP and once for TCP.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { iperf3MinimumMib, renderBench, type BenchResult, type Cpu } from './cost.ts';
import { BULK_CHUNK, MESSAGE_BYTES } from '../scripts/lib/round-trips.ts';
import { renderTimeline } from '../scripts/lib/cli.ts';
import { readSysctl, readTables } from '../scripts/lib/proc-net.ts';
import { findTool } from '../scripts/lib/tools.ts';
import { linuxOnly, toolOrSkip } from '../tests/lib/tools.ts';
import { assertRejects, runScript } from '../tests/lib/transcript.ts';

const RUNS = 2;
/** The shortest transfer iperf3's receiver can count (see iperf3MinimumMib); ours moves as much. */
const BULK_MIB = linuxOnly ? 0 : await iperf3MinimumMib();
const SMALL = ['--round-trips', '20', '--runs', String(RUNS), '--bulk-mib', String(BULK_MIB), '--seconds', '1'];

const ROWS = [
  'UDP round trips',
  'TCP round trips, kept connection',
  'TCP round trips, new connection each',
  'TCP bulk throughput',
];
/** The rows whose CPU per round trip is accounted, ours and the C tool's. */
const CPU_ROWS = ['UDP round trips', 'TCP round trips, kept connection'];
/** The C tool each row is compared with; the new-connection row has none. */
const TOOL_OF: Record<string, string | undefined> = {
  'UDP round trips': 'sockperf',
  'TCP round trips, kept connection': 'sockperf',
  'TCP bulk throughput': 'iperf3',
};

const run = linuxOnly ? undefined : await runScript('bench/cost.ts', [...SMALL, '--json'], { timeoutMs: 60_000 });

/** Both ends spent some CPU on each round trip, and less than a second of it. */
function assertCpu(cpu: Cpu | undefined, whose: string): void {
  assert.ok(cpu, `${whose}: CPU per round trip is accounted`);
  for (const micros of [cpu.client, cpu.server])
    assert.ok(micros > 0 && micros < 1e6, `${whose}: ${JSON.stringify(cpu)} µs`);
}

function benchResult(): BenchResult {
  assert.equal(run!.code, 0, run!.stderr);
  return JSON.parse(run!.stdout) as BenchResult;
}

test('npm run bench measures every row and compares with each installed C tool on the same terms, leaving no ' +
  'server behind', {
  skip: linuxOnly,
}, async (t) => {
  const result = benchResult();
  assert.deepEqual(
    result.rows.map((row) => row.measurement),
    ROWS,
  );
  for (const row of result.rows) {
    assert.equal(row.ours.runs.length, RUNS, `${row.measurement}: one figure per run`);
    assert.ok(
      row.ours.runs.every((value) => Number.isFinite(value) && value > 0),
      `${row.measurement}: ${row.ours.runs}`,
    );
    if (CPU_ROWS.includes(row.measurement)) assertCpu(row.ours.cpu, `our ${row.measurement}`);
    else assert.equal(row.ours.cpu, undefined);
  }
  for (const row of result.rows) {
    const tool = TOOL_OF[row.measurement];
    if (!tool) {
      assert.equal(row.tool, null, `${row.measurement} has no C tool to compare with`);
      continue;
    }
    if (!(await findTool(tool))) {
      await toolOrSkip(t, tool); // fails under REQUIRE_TOOLS=1, skips otherwise
      assert.equal(row.tool, null);
      continue;
    }
    assert.equal(row.tool?.name, tool);
    assert.ok(
      row.tool.runs.every((value) => Number.isFinite(value) && value > 0),
      `${tool}: ${row.tool.runs}`,
    );
    if (tool === 'sockperf') {
      assert.match(
        row.tool.command,
        new RegExp(` -m ${MESSAGE_BYTES}( |$)`),
        "sockperf's messages are as long as ours",
      );
      assertCpu(row.tool.cpu, `sockperf's ${row.measurement}`);
    } else {
      assert.match(
        row.tool.command,
        new RegExp(` -n ${BULK_MIB * 1024 * 1024} -l ${BULK_CHUNK}( |$)`),
        'iperf3 moves as many bytes per run as ours, in writes as large',
      );
      assert.equal(row.tool.runs.length, RUNS, 'iperf3 runs as often as ours');
      // Flow control bounds what is in flight when its receiver stops counting: half of a transfer this size.
      assert.equal(row.tool.counted?.length, RUNS);
      assert.ok(
        row.tool.counted.every((share) => share >= 0.5 && share <= 1),
        `iperf3's receiver counted at least half of each transfer: ${row.tool.counted}`,
      );
    }
  }
  // The C tools' ports come from below the ephemeral range, where no port-0 bind of another process can land meanwhile.
  const [ephemeralLow] = (await readSysctl('net/ipv4/ip_local_port_range')).split(/\s+/).map(Number);
  const held = new Set(
    (await readTables(['tcp', 'tcp6', 'udp', 'udp6']))
      .filter((row) => row.state === 'LISTEN' || row.table.startsWith('udp'))
      .map((row) => row.localPort),
  );
  assert.deepEqual(
    result.ports.filter((port) => port < ephemeralLow && held.has(port)),
    [],
    "every C tool's server has closed its port",
  );
});

test('the human output is a table: a median with its spread for each row, ours/tool for each compared row, and ' +
  'the CPU per round trip', {
  skip: linuxOnly,
}, () => {
  const result = benchResult();
  const lines = renderTimeline(renderBench(result)).split('\n');
  assert.ok(
    lines.some((line) => /^bench: +measurement +ours: median \(min–max\) +C tool +ours\/tool$/.test(line)),
    'the header',
  );
  const figure = '[\\d,]+ \\([\\d,]+–[\\d,]+\\)';
  for (const row of result.rows) {
    const line = lines.find(
      (candidate) => candidate.startsWith('bench:') && candidate.includes(`${row.measurement} ${row.unit} `),
    );
    assert.ok(line, `a line for ${row.measurement}`);
    if (!row.tool) {
      assert.match(line, new RegExp(`${figure} +- +no C tool (measures this|installed)$`));
      continue;
    }
    const ratio = (row.ours.median / row.tool.median).toFixed(2);
    assert.match(
      line,
      new RegExp(`${figure} +[\\d,]+( \\([\\d,]+–[\\d,]+\\))? +${ratio.replace('.', '\\.')} \\(${row.tool.name}\\)$`),
      'the ratio of the medians',
    );
    assert.ok(lines.includes(`command: ${row.tool.command}`), `the command behind ${row.tool.name}'s figure`);
  }
  const cpu = '[\\d.]+ \\+ [\\d.]+ = [\\d.]+ of [\\d.]+';
  for (const measurement of CPU_ROWS) {
    const tool = result.rows.find((row) => row.measurement === measurement)!.tool;
    const expected = new RegExp(`^bench: +${measurement} +ours ${cpu}${tool ? ` +${tool.name} ${cpu}` : ''}$`);
    assert.ok(
      lines.some((line) => expected.test(line)),
      `the CPU per round trip of ${measurement}: ${expected}`,
    );
  }
  const iperf3 = result.rows.find((row) => row.tool?.name === 'iperf3');
  if (iperf3)
    assert.ok(
      lines.some((line) => /^iperf3: +its receiver counted [\d.]+%(–[\d.]+%)? of the bytes sent /.test(line)),
      "the share iperf3's receiver counted",
    );
});

test('a bulk transfer too short for iperf3 to count is bad input: one error line naming the least size, exit code 2', {
  skip: linuxOnly,
}, async (t) => {
  if (!(await toolOrSkip(t, 'iperf3'))) return;
  await assertRejects(
    'bench/cost',
    ['--bulk-mib', String(BULK_MIB - 1)],
    new RegExp(`^error: --bulk-mib must be at least ${BULK_MIB} for iperf3 .*, got ${BULK_MIB - 1}$`),
  );
});
