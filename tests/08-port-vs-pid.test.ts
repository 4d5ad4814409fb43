/**
 * Exercise: port versus PID, and who holds a port.
 * Knobs (predict, then run):
 *   SHARERS=1  helper processes the child hands its first listener to (0..8). How many PIDs
 *              does that one port show? How many sockets, how many inodes?
 * Run: SHARERS=3 npm run exercise -- 08
 */
import assert from 'node:assert/strict';
import { createConnection, createServer, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { before, test } from 'node:test';
import {
  KNOBS,
  HIDDEN_OWNER,
  observePortVsPid,
  renderLookup,
  startPortHolderChild,
  type ListenSpec,
  type PortVsPidObservations,
  EXERCISE,
  mermaidHolders,
} from '../scripts/lab/08-port-vs-pid.ts';
import { lookupPort, type PortHolder } from '../scripts/lib/port-lookup.ts';
import { renderTimeline } from '../scripts/lib/cli.ts';
import { parseTable, parseTableOfInodes, readTables, readSysctl } from '../scripts/lib/proc-net.ts';
import { runTool } from '../scripts/lib/tools.ts';
import { onceWithin, stretchedByLoad } from '../scripts/lib/wait.ts';
import { NOBODY_UID, withEffectiveUid } from './lib/as-user.ts';
import { atDefaults, knobs, measuredAnswers } from './lib/knobs.ts';
import { ROLE_LINE, runLessonAlone } from './lib/lesson.ts';
import { linuxOnly, toolOrSkip } from './lib/tools.ts';
import {
  assertMermaidMatchesNotes,
  assertRejects,
  assertSeenMatchesNotes,
  observedClean,
  runInProcess,
} from './lib/transcript.ts';

const { SHARERS } = knobs(KNOBS);

const pidsOf = (holders: readonly PortHolder[]) =>
  holders.flatMap((holder) => holder.pids.map(({ pid }) => pid)).sort((a, b) => a - b);

/** The lesson's run under its lab, once: the claims below and the sample both read it. */
let seen: PortVsPidObservations | undefined;
before(async () => {
  if (!linuxOnly) seen = await observedClean(() => observePortVsPid(SHARERS));
});

test('the lesson alone (copied into an empty folder, run by node): its three ports lead to its ' +
  'own PID through an inode and a descriptor, the first one to every helper too, and none is left at the end', {
  skip: linuxOnly,
}, async () => {
  for (const runner of ['node'] as const) {
    const run = await runLessonAlone('08-port-vs-pid', runner, { SHARERS: String(SHARERS) });
    assert.equal(run.code, 0, `${runner}: ${run.stderr}`);
    const lines = run.stdout.trimEnd().split('\n');
    for (const line of lines) assert.match(line, ROLE_LINE, `${runner}: a line without its speaker`);
    const [, pid, tcp1, tcp2, udp] = /^process: pid (\d+) holds tcp (\d+) and (\d+), udp (\d+)$/.exec(lines[0]) ?? [];
    assert.ok(pid, `${runner}: the first line names the process and its ports: ${lines[0]}`);
    const found = lines.flatMap((line) => {
      const match = /^kernel: (tcp|udp) (\d+) -> socket:\[(\d+)\] -> fd (\d+)$/.exec(line);
      return match ? [{ table: match[1], port: match[2], inode: match[3] }] : [];
    });
    assert.deepEqual(
      found.map(({ table, port }) => `${table} ${port}`),
      [`tcp ${tcp1}`, `tcp ${tcp2}`, `udp ${udp}`],
      `${runner}: every port leads to a socket inode and one of the process's descriptors`,
    );
    assert.equal(new Set(found.map(({ inode }) => inode)).size, 3, `${runner}: three sockets, three inodes`);
    const helpers = lines.flatMap((line) => {
      const match = /^helper \d+: pid (\d+) holds socket:\[(\d+)\] as fd \d+$/.exec(line);
      return match ? [{ pid: match[1], inode: match[2] }] : [];
    });
    assert.equal(helpers.length, SHARERS, `${runner}: one line per helper`);
    for (const helper of helpers) {
      assert.equal(helper.inode, found[0].inode, `${runner}: a helper holds the first listener's socket`);
      assert.notEqual(helper.pid, pid, `${runner}: a helper is a process of its own`);
    }
    assert.ok(lines.includes(`port: ${tcp1} is one socket in ${SHARERS + 1} processes`), `${runner}: shared`);
    assert.equal(lines.at(-1), 'kernel: all closed; 0 of the 3 ports left in /proc/net');
  }
});

test('one child holds three ports, and all three lead to its PID, not to ours', { skip: linuxOnly }, async () => {
  if (!seen) return;
  assert.deepEqual(
    measuredAnswers(EXERCISE, seen),
    { 'pids-on-port': SHARERS + 1, 'udp-state': 'UNCONN', 'after-exit': 0 },
    'the questions of `npm run exercise -- 08` are answered by this run',
  );
  // The diagram in NOTES.md is the one this run draws (--mermaid), where the knob is the sample's.
  if (SHARERS === 1)
    await assertMermaidMatchesNotes('08-port-vs-pid', mermaidHolders(seen.shared), [
      [/\bpid PID \([^)]+\)/g, 'pid PID (COMMAND)'],
    ]);
  assert.equal(seen.ports.length, 3);
  for (const holders of seen.alone) {
    assert.equal(holders.length, 1, 'one socket on each port');
    assert.deepEqual(pidsOf(holders), [seen.childPid]);
  }
  assert.deepEqual(
    seen.alone.map((holders) => holders[0].protocol),
    ['tcp', 'tcp', 'udp'],
  );
  // No assertion that the PID differs from the ports: they come from different tables, so they may coincide by chance.
  assert.notEqual(seen.childPid, seen.ourPid);

  // The shared port: still one socket and one inode, now with SHARERS + 1 processes.
  assert.equal(seen.helperPids.length, SHARERS);
  assert.equal(seen.shared.length, 1, 'sharing a listener makes no new socket');
  assert.equal(seen.shared[0].inode, seen.alone[0][0].inode);
  assert.deepEqual(
    pidsOf(seen.shared),
    [seen.childPid, ...seen.helperPids].sort((a, b) => a - b),
  );

  assert.deepEqual(seen.afterExit, [[], [], []], 'once the processes are gone, so are their sockets');
});

/** The PIDs an outside tool names for a port: ss prints pid=N, lsof -F prints lines pN. */
function pidsIn(output: string, pattern: RegExp): number[] {
  return [...new Set([...output.matchAll(pattern)].map((match) => Number(match[1])))].sort((a, b) => a - b);
}

test('ss and lsof name the same PIDs for each port: TCP and UDP, IPv4 and IPv6, one port with two PIDs', {
  skip: linuxOnly,
}, async (t) => {
  const ss = await toolOrSkip(t, 'ss');
  const lsof = await toolOrSkip(t, 'lsof');
  if (!ss || !lsof) return;
  const hasIPv6 = Object.values(networkInterfaces()).some((entries) =>
    entries?.some((entry) => entry.internal && entry.address === '::1'),
  );
  const specs: ListenSpec[] = [
    { protocol: 'tcp', host: '127.0.0.1' },
    { protocol: 'udp', host: '127.0.0.1' },
    ...(hasIPv6
      ? ([
          { protocol: 'tcp', host: '::1' },
          { protocol: 'udp', host: '::1' },
        ] as const)
      : []),
  ];
  if (!hasIPv6) t.diagnostic('no ::1 on loopback: IPv6 cases left out');
  const child = await startPortHolderChild(specs);
  t.after(() => child.stop());
  const helpers = await child.share(1);

  // Each witness is asked about the same protocol and family, so a socket of another kind that
  // happens to have the same port number cannot blur the comparison.
  for (const { protocol, host, port } of child.ports) {
    const family = host.includes(':') ? '6' : '4';
    const table = `${protocol}${family === '6' ? '6' : ''}` as const;
    const answer = lookupPort(port, [table]);
    const ours = pidsOf(answer);
    const expected = protocol === 'tcp' && family === '4' ? [child.pid, ...helpers].sort((a, b) => a - b) : [child.pid];
    assert.deepEqual(ours, expected, `08 for ${table} port ${port}`);
    assert.deepEqual(
      answer.filter((holder) => holder.owner === 'process').map((holder) => holder.localAddress),
      [host],
    );

    const bySs = await runTool(ss, [`-Hnap${protocol === 'tcp' ? 't' : 'u'}${family}`, `sport = :${port}`]);
    assert.deepEqual(pidsIn(bySs.stdout, /pid=(\d+)/g), ours, `ss for ${table} port ${port}:\n${bySs.stdout}`);
    const byLsof = await runTool(lsof, ['-nP', `-i${family}${protocol.toUpperCase()}:${port}`, '-Fp']);
    assert.deepEqual(pidsIn(byLsof.stdout, /^p(\d+)$/gm), ours, `lsof for ${table} port ${port}:\n${byLsof.stdout}`);
  }
});

test(
  'a socket written twice in one read of /proc/net/tcp (a page boundary while sockets come and go) is one ' +
    'row; two listeners sharing a port stay two',
  () => {
    const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
    const row = (sl: number, local: string, remote: string, state: string, inode: number) =>
      `${String(sl).padStart(4)}: ${local} ${remote} ${state} 00000000:00000000 00:00000000 00000000     0        ` +
      `0 ${inode} 1 0000000000000000 20 4 30 10 -1`;
    const text = [
      header,
      row(0, '0100007F:9C40', '00000000:0000', '0A', 501), // SO_REUSEPORT: two listeners on 127.0.0.1:40000
      row(1, '0100007F:9C40', '00000000:0000', '0A', 502),
      row(2, '0100007F:9C40', '0100007F:D431', '01', 503),
      row(3, '0100007F:9C40', '0100007F:D431', '01', 503), // the same socket again, after the page boundary
      '',
    ].join('\n');
    const rows = parseTable('tcp', text);
    assert.deepEqual(
      rows.map(({ localPort, remotePort, state, inode }) => [localPort, remotePort, state, inode]),
      [
        [40000, 0, 'LISTEN', 501],
        [40000, 0, 'LISTEN', 502],
        [40000, 54321, 'ESTABLISHED', 503],
      ],
    );
  },
);

test('asked for ports, the table reader keeps the rows with one of them at either end, and only those', () => {
  const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
  // The queue and timer fields hold the digits of 40000 (9C40) too; they are not ports.
  const row = (sl: number, local: string, remote: string, inode: number) =>
    `${String(sl).padStart(4)}: ${local} ${remote} 01 00009C40:00009C40 00:00009C40 00000000     0        ` +
    `0 ${inode} 1 0000000000000000 20 4 30 10 -1`;
  const text = [
    header,
    row(0, '0100007F:9C40', '0100007F:D431', 601), // 40000 at the local end
    row(1, '0100007F:D431', '0100007F:9C40', 602), // 40000 at the remote end
    row(2, '0100007F:1F90', '0100007F:D432', 603), // neither end
    '',
  ].join('\n');
  const inodes = (ports?: number[]) => parseTable('tcp', text, ports).map((found) => found.inode);
  assert.deepEqual(inodes([40000]), [601, 602]);
  assert.deepEqual(inodes([8080, 54322]), [603]);
  assert.deepEqual(inodes([]), []);
  assert.deepEqual(inodes(), [601, 602, 603]);
});

test('asked for inodes, the table reader keeps the rows of those sockets, and only those', () => {
  const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
  // The uid and timeout fields hold the digits of inode 701 too; they are not inodes.
  const row = (sl: number, inode: number) =>
    `${String(sl).padStart(4)}: 0100007F:9C40 00000000:0000 0A 00000000:00000000 00:00000000 00000000   701 ` +
    `701 ${inode} 1 0000000000000000 100 0 0 10 0`;
  const text = [header, row(0, 701), row(1, 702), row(2, 7010), ''].join('\n');
  const inodes = (wanted: number[]) => parseTableOfInodes('tcp', text, new Set(wanted)).map((found) => found.inode);
  assert.deepEqual(inodes([701]), [701]);
  assert.deepEqual(inodes([702, 7010]), [702, 7010]);
  assert.deepEqual(inodes([70]), []);
  assert.deepEqual(inodes([]), []);
});

test('a port nobody holds: the tool says so and exits 1', { skip: linuxOnly }, async () => {
  // A port outside the ephemeral range (which no test here uses), and in no table right now.
  const [low] = (await readSysctl('net/ipv4/ip_local_port_range')).split(/\s+/).map(Number);
  const inUse = new Set((await readTables(['tcp', 'tcp6', 'udp', 'udp6'])).map((row) => row.localPort));
  let port = low - 1;
  while (inUse.has(port)) port--;
  const run = await runInProcess('08-port-vs-pid', ['--port', String(port)]);
  assert.equal(run.code, 1, run.stderr);
  assert.equal(
    run.stdout,
    `port: port ${port}: nobody holds it (no TCP or UDP socket, IPv4 or IPv6, has it as its local port)\n`,
  );
  const json = await runInProcess('08-port-vs-pid', ['--port', String(port), '--json']);
  assert.equal(json.code, 1);
  assert.deepEqual(JSON.parse(json.stdout), []);
});

test('--port --json prints an array of {protocol, localAddress, localPort, state, inode, pids, owner}', {
  skip: linuxOnly,
}, async (t) => {
  const child = await startPortHolderChild([{ protocol: 'tcp', host: '127.0.0.1' }]);
  t.after(() => child.stop());
  const { port } = child.ports[0];
  const run = await runInProcess('08-port-vs-pid', ['--port', String(port), '--json']);
  assert.equal(run.code, 0, run.stderr);
  // Other programs' old connections may linger on this port number in TIME_WAIT, held by no process.
  const answer = (JSON.parse(run.stdout) as PortHolder[]).filter((holder) => holder.owner !== 'kernel');
  assert.equal(answer.length, 1);
  assert.deepEqual(Object.keys(answer[0]), [
    'protocol',
    'localAddress',
    'localPort',
    'state',
    'inode',
    'pids',
    'owner',
  ]);
  const ss = await toolOrSkip(t, 'ss');
  if (!ss) return;
  const bySs = (await runTool(ss, ['-Hltnp', `sport = :${port}`])).stdout;
  const command = new RegExp(`\\("([^"]+)",pid=${child.pid},`).exec(bySs)?.[1];
  assert.deepEqual(answer[0].pids, [{ pid: child.pid, command }], `the PID, and the command name ss gives it: ${bySs}`);
  assert.equal(answer[0].state, 'LISTEN');
  assert.equal(answer[0].owner, 'process');
});

test('a listener shares its port with every connection it accepted: the tool lists two sockets, one PID', {
  skip: linuxOnly,
}, async (t) => {
  const server = createServer();
  t.after(() => server.close());
  server.listen(0, '127.0.0.1');
  await onceWithin(server, 'listening', stretchedByLoad(2000), 'the listener');
  const port = (server.address() as { port: number }).port;
  const client = createConnection({ host: '127.0.0.1', port });
  t.after(() => client.destroy());
  const [[accepted]] = (await Promise.all([
    onceWithin(server, 'connection', stretchedByLoad(2000), 'the accept'),
    onceWithin(client, 'connect', stretchedByLoad(2000), 'the connection'),
  ])) as [[Socket], unknown];
  t.after(() => accepted.destroy());

  const run = await runInProcess('08-port-vs-pid', ['--port', String(port)]);
  assert.equal(run.code, 0, run.stderr);
  const ours = `pid ${process.pid} (`;
  const lines = run.stdout.trimEnd().split('\n');
  // Other programs' old connections may linger on this port number in TIME_WAIT; ours are the two with our PID.
  assert.match(lines[0], /^port: +port \d+: \d+ sockets$/);
  assert.deepEqual(
    lines.filter((line) => line.includes(ours)).map((line) => line.replace(/, inode \d+.*/, '')),
    [`tcp:  127.0.0.1:${port} ESTABLISHED`, `tcp:  127.0.0.1:${port} LISTEN`],
  );
});

test('a connection in TIME_WAIT keeps its port, yet no process holds it: inode 0, the kernel alone', {
  skip: linuxOnly,
}, async (t) => {
  const server = createServer((socket) => socket.resume()); // reads to the end; Node then closes its side
  t.after(() => server.close());
  server.listen(0, '127.0.0.1');
  await onceWithin(server, 'listening', stretchedByLoad(2000), 'the listener');
  const client: Socket = createConnection({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
  t.after(() => client.destroy());
  await onceWithin(client, 'connect', stretchedByLoad(2000), 'the connection');
  const clientPort = client.localPort!;
  // The client closes first, so its end is the one that waits in TIME_WAIT once both FINs are through.
  client.end();
  client.resume();
  await onceWithin(client, 'close', stretchedByLoad(2000), 'both ends to close');

  const waiting = lookupPort(clientPort, ['tcp']).filter((holder) => holder.state === 'TIME_WAIT');
  assert.ok(waiting.length >= 1, `port ${clientPort} has a TIME_WAIT row`);
  for (const holder of waiting) assert.deepEqual([holder.inode, holder.owner, holder.pids], [0, 'kernel', []]);
  const text = renderTimeline(renderLookup(clientPort, waiting));
  assert.match(text, /TIME_WAIT, inode 0: no process: the kernel keeps this socket without a descriptor/);
});

test('as another user, a root-owned socket is listed with its owner hidden, not a crash', {
  skip: linuxOnly,
}, async (t) => {
  if (process.getuid!() !== 0) return t.skip('needs root, to take the effective uid of nobody');
  const child = await startPortHolderChild([{ protocol: 'tcp', host: '127.0.0.1' }]);
  t.after(() => child.stop());
  const { port } = child.ports[0];
  // The child runs as root; with the effective uid of nobody its /proc/PID/fd is closed to us.
  const { holders, lines } = await withEffectiveUid(NOBODY_UID, () => {
    const found = lookupPort(port, ['tcp']);
    return { holders: found, lines: renderLookup(port, found) };
  });
  const listener = holders.findIndex((holder) => holder.state === 'LISTEN');
  assert.notEqual(listener, -1, 'the listener is listed: /proc/net/tcp is readable by every user');
  assert.equal(holders[listener].owner, 'hidden');
  assert.deepEqual(holders[listener].pids, []);
  const [, text] = lines[1 + listener]; // after the "port P: N sockets" line
  assert.ok(text.endsWith(HIDDEN_OWNER), `what nobody reads on screen: ${text}`);
  const asRoot = lookupPort(port, ['tcp']).find((holder) => holder.state === 'LISTEN');
  assert.deepEqual(
    asRoot?.pids.map(({ pid }) => pid),
    [child.pid],
    'root again, the owner is back',
  );
});

test("the output matches the sample in NOTES.md (rendered from this file's run)", { skip: linuxOnly }, (t) => {
  if (!atDefaults(KNOBS, { SHARERS })) return t.skip('the sample shows the default knobs');
  // Only the main thread's name is masked: node-MainThread on Node 26, MainThread on Node 24.
  return assertSeenMatchesNotes('08-port-vs-pid', seen, [[/\bpid PID \((?:node-)?MainThread\)/g, 'pid PID (COMMAND)']]);
});

test('--port out of range is one error line and exit code 2', () =>
  assertRejects('08-port-vs-pid', ['--port', '70000'], /--port must be between 1 and 65535/));

test('--sharers with --port is one error line and exit code 2', () =>
  assertRejects('08-port-vs-pid', ['--port', '80', '--sharers', '2'], /--sharers belongs to the demo/));

test('an unknown flag is one error line and exit code 2', () =>
  assertRejects('08-port-vs-pid', ['--pid', '1'], /Unknown option '--pid'/));
