/**
 * The lookup benchmark (npm run bench:lookup) runs end to end, once, with the smallest knobs: every
 * contender must name this process behind the port, and the table a person reads must be whole. No
 * speed is asserted: the figures depend on the machine. Kept out of npm test, like the cost
 * benchmark's test, because it starts npx and tsx as whole processes (about half a second each).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderTimeline } from '../scripts/lib/cli.ts';
import { linuxOnly, toolOrSkip } from '../tests/lib/tools.ts';
import { assertRejects } from '../tests/lib/transcript.ts';
import { benchLookup, renderLookupBench } from './lookup.ts';

test('the lookup benchmark finds this process behind the port with all seven contenders, times the empty-file ' +
  'floors of node and tsx beside them, then fills its table (timings are not judged here)', {
  skip: linuxOnly,
}, async (t) => {
  if (!(await toolOrSkip(t, 'ss')) || !(await toolOrSkip(t, 'lsof'))) return;
  // The smallest run that still has a holder process: a listener and one connection, one round.
  const sockets = 3;
  const repeats = 1;
  const result = await benchLookup(sockets, repeats);
  const opened = 1 + 2 * Math.ceil((sockets - 1) / 2); // a listener, then connections: two sockets each
  assert.deepEqual([result.sockets, result.holders, result.repeats, result.pid], [opened, 1, repeats, process.pid]);
  const script = `scripts/08-port-vs-pid.ts --port ${result.port}`;
  const contenders = [
    '08 lookupPort() in this process',
    `node ${script}`,
    `NODE_COMPILE_CACHE=DIR node ${script}`,
    `tsx ${script}`,
    `npx tsx ${script}`,
    `ss -Hltnp 'sport = :${result.port}'`,
    `lsof -nP -i :${result.port}`,
    'node EMPTY.ts (an empty file)',
    'tsx EMPTY.ts (an empty file)',
    `node bench/lean-lookup.ts ${result.port} (the lesson and the lookup alone)`,
  ];
  assert.deepEqual(
    result.lookups.map(({ name }) => name),
    contenders,
  );
  for (const { name, median, min, max } of result.lookups)
    assert.ok(min > 0 && min <= median && median <= max, `${name}: ${min} <= ${median} <= ${max} ms`);

  const lines = renderTimeline(renderLookupBench(result)).split('\n');
  assert.match(
    lines[0],
    new RegExp(
      `^bench: +${opened} extra sockets open in 1 holder process\\(es\\); port ${result.port} held by pid ` +
        `${process.pid}$`,
    ),
  );
  const time = String.raw`\d+\.\d\d ms`;
  const row = new RegExp(`^lookup: +(.+?) +${time} +${time} +${time}$`); // a name, then median, min and max
  assert.deepEqual(
    lines.slice(3, 3 + contenders.length).map((line) => row.exec(line)?.[1]),
    contenders,
  );
  const verdicts = lines.slice(3 + contenders.length);
  assert.deepEqual(
    verdicts.map((line) => /^verdict: (.+?) takes? \d+\.\d\dx the time of (lsof|ss|node|tsx)\b/.exec(line)?.slice(1)),
    [
      ['lookupPort() in this process', 'lsof'],
      ['08 as a process through tsx', 'lsof'],
      ['08 as a process through plain node', 'lsof'],
      ['08 as a process through plain node', 'ss'],
      ['08 through node with its compile cache warm', 'lsof'],
      ['08 as a process through plain node', 'node'],
      ['08 as a process through tsx', 'tsx'],
      ['the lesson and the lookup alone (no command line, no lab)', 'node'],
    ],
  );
});

test("the lookup benchmark's bad input is one error line and exit code 2", async () => {
  await assertRejects('bench/lookup', ['--sockets', 'many'], /--sockets must be a whole number/);
  await assertRejects('bench/lookup', ['--repeats', '0'], /--repeats must be between 1 and 1000/);
  await assertRejects('bench/lookup', ['--holders', '2'], /--holders/);
});

// A command name is the process's main-thread name, which a program may change: Node 26 calls its main thread
// "node-MainThread", Node 24 (which CI runs too) "MainThread".
