/**
 * The cost benchmark (npm run bench) runs end to end with small knobs and prints a complete table.
 * No speed is asserted: the figures depend on the machine; the test checks that every row is
 * measured, that each C tool installed is compared, and that no server is left behind.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BenchResult } from '../bench/cost.ts';
import { readSysctl, readTables } from '../scripts/lib/proc-net.ts';
import { findTool } from '../scripts/lib/tools.ts';
import { linuxOnly, toolOrSkip } from './lib/tools.ts';
import { runScript } from './lib/transcript.ts';

const SMALL = ['--round-trips', '20', '--runs', '1', '--bulk-mib', '1', '--seconds', '1'];

test('npm run bench measures every row and compares with each installed C tool, leaving no server behind', { skip: linuxOnly }, async (t) => {
  const run = await runScript('bench/cost.ts', [...SMALL, '--json'], { timeoutMs: 60_000 });
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout) as BenchResult;
  assert.deepEqual(
    result.rows.map((row) => row.measurement),
    ['UDP round trips', 'TCP round trips, kept connection', 'TCP round trips, new connection each', 'TCP bulk throughput'],
  );
  for (const row of result.rows) assert.ok(Number.isFinite(row.ours) && row.ours > 0, `${row.measurement}: ${row.ours}`);
  const expectedTools: Record<string, string | undefined> = { 'UDP round trips': 'sockperf', 'TCP round trips, kept connection': 'sockperf', 'TCP bulk throughput': 'iperf3' };
  for (const row of result.rows) {
    const tool = expectedTools[row.measurement];
    if (!tool) continue;
    if (!(await findTool(tool))) {
      await toolOrSkip(t, tool); // fails under REQUIRE_TOOLS=1, skips otherwise
      assert.equal(row.tool, null);
      continue;
    }
    assert.equal(row.tool?.name, tool);
    assert.ok(row.tool!.value > 0);
  }
  // The C tools' ports come from below the ephemeral range, where no port-0 bind of another process can land meanwhile.
  const [ephemeralLow] = (await readSysctl('net/ipv4/ip_local_port_range')).split(/\s+/).map(Number);
  const held = new Set((await readTables(['tcp', 'tcp6', 'udp', 'udp6'])).filter((row) => row.state === 'LISTEN' || row.table.startsWith('udp')).map((row) => row.localPort));
  assert.deepEqual(result.ports.filter((port) => port < ephemeralLow && held.has(port)), [], "every C tool's server has closed its port");
});

test('the human output is a table with a ratio for each compared row', { skip: linuxOnly }, async () => {
  const run = await runScript('bench/cost.ts', SMALL, { timeoutMs: 60_000 });
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  assert.match(lines[1], /measurement +ours +C tool +ours\/tool/);
  assert.equal(lines.filter((line) => /^bench: +(UDP|TCP) /.test(line)).length, 4);
  for (const line of lines.filter((line) => /\((sockperf|iperf3)\)$/.test(line))) assert.match(line, /\d\.\d\d \((sockperf|iperf3)\)$/);
});
