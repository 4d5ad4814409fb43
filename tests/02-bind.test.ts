/**
 * Exercise: bind() gives a socket its address. Predict, then run:
 *   - Which numbers can port 0 give you? (cat /proc/sys/net/ipv4/ip_local_port_range)
 *   - A listener holds 127.0.0.1:P. Can another socket bind 0.0.0.0:P? 127.0.0.2:P? UDP P?
 *   - Who can connect to a listener bound to 127.0.0.1, to 0.0.0.0, to ::1, to :: ?
 *   - Is it the uid or a capability that lets a process bind a port below 1024?
 *
 * Knob:
 *   LOW_PORT   the port a root process stripped of CAP_NET_BIND_SERVICE tries to bind
 *              (default: one below net.ipv4.ip_unprivileged_port_start). Predict for
 *              LOW_PORT=80, then for a port at or above the start, e.g. LOW_PORT=20000.
 *
 * Run: npm run exercise -- 02
 *      LOW_PORT=20000 npm run exercise -- 02
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createConnection, createServer, isIPv4, isIPv6, type AddressInfo, type Server } from 'node:net';
import { before, test } from 'node:test';
import {
  KNOBS,
  hasNetBindService,
  observeBind,
  observePrivileged,
  renderPrivileged,
  type BindObservations,
  type BindResult,
  EXERCISE,
} from '../scripts/lab/02-bind.ts';
import { readSysctl, readTable } from '../scripts/lib/proc-net.ts';
import { nodeArgsFor, startAllowanceMs } from '../scripts/lib/child.ts';
import { runTool } from '../scripts/lib/tools.ts';
import { onceWithin, untilTrue, within } from '../scripts/lib/wait.ts';
import { NOBODY_UID, withEffectiveUid } from './lib/as-user.ts';
import { knobs, measuredAnswers } from './lib/knobs.ts';
import { storyOfLessonAlone } from './lib/lesson.ts';
import { startServing } from './lib/serve.ts';
import { assertRejects, assertSeenMatchesNotes, observedClean, ROOT, runInProcess } from './lib/transcript.ts';
import { runInOwnNamespace } from './lib/namespace.ts';
import { linuxOnly, toolOrSkip } from './lib/tools.ts';

const WAIT_MS = 5000;
const HOST = '127.0.0.1';
const { LOW_PORT } = knobs(KNOBS);
const isRoot = process.getuid?.() === 0;

let unprivilegedPortStart: number;
let seen: BindObservations;
before(async () => {
  unprivilegedPortStart = Number(await readSysctl('net/ipv4/ip_unprivileged_port_start'));
  seen = await observedClean(observeBind);
});

/** The code of a refused bind, or "bound". */
const verdict = (result: BindResult) => (result.ok ? 'bound' : result.code);

/** A line of the lesson's own story: the text before the kernel's answer, the answer, the text after it. */
type StoryLine = [before: string, answer: string | RegExp, after: string];
const listenLine = (host: string, port: number, answer: string | RegExp, why: string): StoryLine => [
  `server: listen(${host}, port ${port}) -> `,
  answer,
  ` ${why}`,
];
const dialLine = (target: string, port: number, answer: string | RegExp): StoryLine => [
  `client: connect(${target}, port ${port}) -> `,
  answer,
  '',
];

test('the lesson alone (copied into an empty folder, run by node): port 0 gets a port from the range, ' +
  'the held pair and the wildcard over it are refused while 127.0.0.2 binds, the absent address is refused, ' +
  'the low port answers by capability, and 127.0.0.2 reaches only the 0.0.0.0 listener', {
  skip: linuxOnly,
}, async () => {
  const [low, high] = (await readSysctl('net/ipv4/ip_local_port_range')).split(/\s+/).map(Number);
  const nonlocalBind = (await readSysctl('net/ipv4/ip_nonlocal_bind')) === '1';
  const absentAnswer = nonlocalBind ? /^bound 203\.0\.113\.7:\d+$/ : 'EADDRNOTAVAIL';
  const lowPort = unprivilegedPortStart - 1;
  const holds = hasNetBindService(await readFile('/proc/self/status', 'utf8'));
  const lowWhy = `(under ${unprivilegedPortStart}: CAP_NET_BIND_SERVICE, which root has; uid ${process.geteuid!()})`;
  // Without ::1 (IPv6 off) the dial fails with another code than a refusal.
  const v6Answer = seen.reach.ipv6 ? 'ECONNREFUSED' : /^E[A-Z]+$/;
  for (const runner of ['node'] as const) {
    const lines = await storyOfLessonAlone('02-bind', runner);
    const portOf = (index: number) => Number(/ -> bound [\d.]+:(\d+) /.exec(lines[index] ?? '')?.[1]);
    const [held, dialledHere, dialledEverywhere] = [portOf(0), portOf(6), portOf(10)];
    assert.ok(held >= low && held <= high, `${runner}: port 0 gave ${held}, outside ${low}-${high}`);
    const story: StoryLine[] = [
      listenLine(HOST, 0, `bound ${HOST}:${held}`, '(port 0: the kernel picks)'),
      listenLine(HOST, held, 'EADDRINUSE', '(the same pair)'),
      listenLine('0.0.0.0', held, 'EADDRINUSE', '(the wildcard covers 127.0.0.1)'),
      listenLine('127.0.0.2', held, `bound 127.0.0.2:${held}`, '(another address: the pair differs)'),
      listenLine('203.0.113.7', 0, absentAnswer, '(no interface has it)'),
      listenLine(HOST, lowPort, holds ? `bound ${HOST}:${lowPort}` : 'EACCES', lowWhy),
      listenLine(HOST, 0, `bound ${HOST}:${dialledHere}`, '(who can reach it?)'),
      dialLine(HOST, dialledHere, `accepted, arrived at ${HOST}`),
      dialLine('127.0.0.2', dialledHere, 'ECONNREFUSED'),
      dialLine('::1', dialledHere, v6Answer),
      listenLine('0.0.0.0', 0, `bound 0.0.0.0:${dialledEverywhere}`, '(who can reach it?)'),
      dialLine(HOST, dialledEverywhere, `accepted, arrived at ${HOST}`),
      dialLine('127.0.0.2', dialledEverywhere, 'accepted, arrived at 127.0.0.2'),
      dialLine('::1', dialledEverywhere, v6Answer),
    ];
    assert.equal(lines.length, story.length, `${runner}: ${lines.join('\n')}`);
    story.forEach(([before, answer, after], i) => {
      const message = `${runner}, line ${i + 1}: ${lines[i]}`;
      assert.ok(lines[i].startsWith(before) && lines[i].endsWith(after), message);
      const said = lines[i].slice(before.length, lines[i].length - after.length);
      if (typeof answer === 'string') assert.equal(said, answer, message);
      else assert.match(said, answer, message);
    });
  }
});

test('port 0 lets the kernel pick a port inside ip_local_port_range, for TCP and for UDP', async () => {
  const [low, high] = (await readSysctl('net/ipv4/ip_local_port_range')).split(/\s+/).map(Number);
  assert.deepEqual(seen.ephemeral.range, [low, high]);
  for (const result of [seen.ephemeral.tcp, seen.ephemeral.udp]) {
    assert.ok(result.ok, `port 0 should bind, got ${verdict(result)}`);
    assert.ok(result.port >= low && result.port <= high, `port ${result.port} is outside ${low}-${high}`);
  }
});

test('the kernel lists the TCP socket as LISTEN and the UDP socket as merely bound, with no peer', {
  skip: linuxOnly,
}, () => {
  const { tcp, udp } = seen.ephemeral;
  assert.ok(tcp.ok && udp.ok);
  const rows = seen.ephemeral.rows;
  const tcpRow = rows.find((row) => row.table === 'tcp');
  const udpRow = rows.find((row) => row.table === 'udp');
  assert.deepEqual(tcpRow?.local, { address: tcp.address, port: tcp.port });
  assert.equal(tcpRow?.state, 'LISTEN', "Node's listen() made the listen() call as well as the bind()");
  assert.deepEqual(udpRow?.local, { address: udp.address, port: udp.port });
  assert.equal(udpRow?.state, 'CLOSE', 'a bound UDP socket has no connection state');
  assert.deepEqual(udpRow?.remote, { address: '0.0.0.0', port: 0 }, 'bind() sets only the local end');
});

test('a pair a live socket holds is refused with EADDRINUSE, and so is the wildcard that covers it', () => {
  const { tcpSameAddress, tcpWildcard, udpSamePortAgain } = seen.conflicts;
  assert.equal(verdict(tcpSameAddress), 'EADDRINUSE');
  assert.equal(verdict(tcpWildcard), 'EADDRINUSE', '0.0.0.0 includes 127.0.0.1, where the blocker is');
  assert.equal(verdict(udpSamePortAgain), 'EADDRINUSE', 'UDP refuses a second bind of a held pair just as TCP does');
});

test('the same port number binds on another address, and in UDP: a bind claims (protocol, address, port)', () => {
  const { port, tcpOtherAddress, udpSamePort } = seen.conflicts;
  assert.deepEqual(tcpOtherAddress, { ok: true, address: '127.0.0.2', port });
  assert.deepEqual(udpSamePort, { ok: true, address: '127.0.0.1', port });
});

test('Node reports a refused TCP bind as a listen error; for UDP it says bind', () => {
  const { tcpSameAddress, udpSamePortAgain } = seen.conflicts;
  assert.ok(!tcpSameAddress.ok && !udpSamePortAgain.ok);
  assert.equal(tcpSameAddress.syscall, 'listen');
  assert.equal(udpSamePortAgain.syscall, 'bind');
});

test('an address no interface has is refused with EADDRNOTAVAIL, unless ip_nonlocal_bind allows it', {
  skip: linuxOnly,
}, async (t) => {
  const { address, nonlocalBind, tcp, udp } = seen.absentAddress;
  // An outside witness that the address really is absent: the kernel's own list, through iproute2.
  const ip = await toolOrSkip(t, 'ip');
  if (!ip) return;
  const assigned = (await runTool(ip, ['-o', 'addr', 'show'])).stdout;
  assert.ok(!assigned.includes(` ${address}/`), `${address} must not be one of this machine's addresses:\n${assigned}`);
  assert.equal(nonlocalBind, (await readSysctl('net/ipv4/ip_nonlocal_bind')) === '1');
  const expected = nonlocalBind ? 'bound' : 'EADDRNOTAVAIL';
  assert.equal(verdict(tcp), expected);
  assert.equal(verdict(udp), expected);
});

test('a port below ip_unprivileged_port_start needs CAP_NET_BIND_SERVICE: without it, EACCES', {
  skip: linuxOnly,
}, async () => {
  const { self, unprivileged } = seen.privileged;
  assert.equal(seen.privileged.unprivilegedPortStart, unprivilegedPortStart);
  if (unprivilegedPortStart <= 1) {
    assert.equal(self, null, 'no port is privileged, so there is nothing to show');
    return;
  }
  assert.ok(self && self.port < unprivilegedPortStart, 'the script tried a privileged port');
  const holds = hasNetBindService(await readFile('/proc/self/status', 'utf8'));
  assert.equal(self.holdsNetBindService, holds);
  assert.equal(verdict(self.result), holds ? 'bound' : 'EACCES');
  if (!isRoot) {
    assert.equal(unprivileged, null, 'only root can become another user to show the other side');
    return;
  }
  assert.ok(unprivileged, 'as root the script shows an unprivileged child too');
  assert.equal(unprivileged.uid, NOBODY_UID);
  assert.equal(unprivileged.holdsNetBindService, false, 'setuid() away from root empties the capability sets');
  assert.equal(verdict(unprivileged.result), 'EACCES');
});

test('run without root, the script is refused the low port itself and says it cannot show the other side', {
  skip: linuxOnly,
}, async (t) => {
  if (!isRoot) return t.skip('this run is not root: the test above already checks what it saw');
  if (unprivilegedPortStart <= 1)
    return t.skip(`no port is privileged here (ip_unprivileged_port_start = ${unprivilegedPortStart})`);
  const privileged = await withEffectiveUid(NOBODY_UID, observePrivileged);
  const { self, unprivileged } = privileged;
  assert.ok(self, 'a privileged port was tried');
  assert.equal(self.uid, NOBODY_UID, 'the effective uid is the one reported');
  assert.equal(self.holdsNetBindService, false, 'leaving uid 0 empties the effective capability set');
  assert.equal(verdict(self.result), 'EACCES');
  assert.equal(
    self.port,
    unprivilegedPortStart - 1,
    'EACCES comes before any port-in-use check, so the first try is the answer',
  );
  assert.equal(unprivileged, null, 'only root can start a child as another user');
  const [, text] = renderPrivileged(privileged).at(-1)!;
  assert.match(text, /^not root, so this run cannot show the other side/);
});

test(`uid 0 without CAP_NET_BIND_SERVICE is refused too: the capability decides, not the uid (port ${LOW_PORT})`, {
  skip: linuxOnly,
}, async (t) => {
  if (!isRoot) return t.skip('needs root: only root can start a process as uid 0 with a capability removed');
  const setpriv = await toolOrSkip(t, 'setpriv');
  if (!setpriv) return;
  const probe = nodeArgsFor('tests/probes/02-low-port.ts', [String(LOW_PORT)]);
  const run = await runTool(
    setpriv,
    ['--bounding-set=-net_bind_service', process.execPath, ...probe],
    startAllowanceMs(),
    ROOT,
  );
  assert.equal(run.code, 0, run.stderr);
  const child = JSON.parse(run.stdout) as { uid: number; status: string; result: BindResult };
  assert.equal(child.uid, 0);
  assert.equal(hasNetBindService(child.status), false);
  if (LOW_PORT < unprivilegedPortStart) assert.equal(verdict(child.result), 'EACCES');
  else
    assert.notEqual(
      verdict(child.result),
      'EACCES',
      `port ${LOW_PORT} is not privileged (the start is ${unprivilegedPortStart})`,
    );
});

/** Which destinations reach a listener: the rule the kernel follows when it looks up a listener. */
function reaches(host: string, ipv6Only: boolean, target: string): boolean {
  if (host === '0.0.0.0') return isIPv4(target);
  if (host === '::') return ipv6Only ? isIPv6(target) : true;
  return host === target;
}

test('the bind address decides who can connect: a specific address, every IPv4 address, IPv6, or both', () => {
  const hosts = seen.reach.listeners.map((listener) => `${listener.host}${listener.ipv6Only ? ' v6only' : ''}`);
  assert.deepEqual(
    hosts,
    seen.reach.ipv6 ? ['127.0.0.1', '0.0.0.0', '::1', '::', ':: v6only'] : ['127.0.0.1', '0.0.0.0'],
  );
  for (const { host, ipv6Only, dials } of seen.reach.listeners) {
    for (const { target, outcome, code } of dials) {
      const expected = reaches(host, ipv6Only, target) ? 'accepted' : 'refused';
      assert.equal(outcome, expected, `a listener on ${host}${ipv6Only ? ' (IPv6 only)' : ''} dialled at ${target}`);
      if (outcome === 'refused') assert.equal(code, 'ECONNREFUSED');
    }
  }
});

test('an IPv6 listener on :: takes IPv4 connections as IPv4-mapped addresses (::ffff:a.b.c.d)', (t) => {
  if (!seen.reach.ipv6) return t.skip('this machine has no ::1');
  const dualStack = seen.reach.listeners.find((listener) => listener.host === '::' && !listener.ipv6Only)!;
  for (const dial of dualStack.dials) {
    assert.equal(dial.arrivedAt, isIPv4(dial.target) ? `::ffff:${dial.target}` : dial.target);
  }
});

test('127.0.0.1 and ::1 hand out port numbers apart, so while the script dials, it holds the pairs its listener ' +
  'leaves open', {
  skip: linuxOnly,
}, async (t) => {
  if (!seen.reach.ipv6) return t.skip('this machine has no ::1');
  // In a namespace of our own whose ephemeral range is one port, the kernel has no choice to make.
  const onlyPort = 40000;
  const range = `echo "${onlyPort} ${onlyPort}" > /proc/sys/net/ipv4/ip_local_port_range`;
  const run = await runInOwnNamespace(t, range, [process.execPath, ...nodeArgsFor('tests/probes/02-port-pairs.ts')]);
  if (!run) return;
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), {
    ipv6: onlyPort,
    beforeHolding: onlyPort, // another program's listener on 127.0.0.1 may get the number our ::1 listener has
    held: true,
    whileHolding: 'EADDRINUSE', // not while our socket holds 127.0.0.1 on it: the range has no other port
    listenerCovers: true, // the pair our listener has cannot be held again
  });
});

test("Node's listen() makes two system calls, bind() then listen(); a refused bind never reaches listen(); " +
  'connect() with localAddress binds first', {
  skip: linuxOnly,
}, async (t) => {
  const strace = await toolOrSkip(t, 'strace');
  if (!strace) return;
  // One listener on port 0, a second on its port (refused), a UDP bind, a client with a chosen local address.
  const probe = nodeArgsFor('tests/probes/02-bind-calls.ts');
  const run = await runTool(
    strace,
    ['-f', '-qq', '-e', 'trace=bind,listen,connect', process.execPath, ...probe],
    // Node under strace starts slower still: twice what a child's start may take under this load.
    2 * startAllowanceMs(),
    ROOT,
  );
  assert.equal(run.code, 0, run.stderr);
  const reported = JSON.parse(run.stdout) as { port: number; code: string; syscall: string };
  // strace's line for each call: its descriptor, the address where it has one, then the result and errno.
  const sockaddr = String.raw`\{sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([\d.]+)"\)\}, \d+`;
  const callLine = new RegExp(
    String.raw`(bind|listen|connect)\((\d+), (?:${sockaddr}|\d+)\)\s+= (-?\d+)(?: (\w+))?`,
    'g',
  );
  const calls = [...run.stderr.matchAll(callLine)].map(
    ([, call, fd, port, address, result, errno]) =>
      `${call} fd ${fd}${port === undefined ? '' : ` ${address}:${port}`} = ${errno ?? result}`,
  );
  // The descriptor numbers are whatever Node had free; rename them in order of appearance.
  const fds = new Map<string, string>();
  const named = calls.map((call) =>
    call.replace(/fd (\d+)/, (_, fd: string) => `fd ${fds.get(fd) ?? fds.set(fd, `#${fds.size + 1}`).get(fd)}`),
  );
  assert.deepEqual(named, [
    'bind fd #1 127.0.0.1:0 = 0',
    'listen fd #1 = 0',
    `bind fd #2 127.0.0.1:${reported.port} = EADDRINUSE`,
    // libuv keeps the bind error and hands it back at listen time, without calling listen().
    'bind fd #2 127.0.0.1:0 = 0',
    // The UDP socket above never listens. A client asked for a local address binds it (port 0), then connects.
    'bind fd #3 127.0.0.2:0 = 0',
    `connect fd #3 127.0.0.1:${reported.port} = EINPROGRESS`,
  ]);
  assert.equal(reported.code, 'EADDRINUSE');
  assert.equal(reported.syscall, 'listen', 'Node names the listen() it never made');
});

test('--serve listens where told, shows each connection as its two ends, and exits 0 on SIGTERM', async (t) => {
  const { server, found } = await startServing(
    t,
    '02-bind',
    (output) => /^listening on 127\.0\.0\.1:(\d+); try: nc 127\.0\.0\.1 \1$/m.exec(output)?.[1],
  );
  const connectionLine = new Promise<RegExpExecArray>((resolve) => {
    let output = '';
    server.stdout!.on('data', (chunk: string) => {
      output += chunk;
      const line = /^server: connection to 127\.0\.0\.1:\d+ from 127\.0\.0\.1:(\d+)$/m.exec(output);
      if (line) resolve(line);
    });
  });
  const client = createConnection({ host: '127.0.0.1', port: Number(found) });
  t.after(() => client.destroy());
  await onceWithin(client, 'connect', WAIT_MS, 'the connection to --serve');
  const [, from] = await within(connectionLine, WAIT_MS, 'the line that shows the connection');
  assert.equal(Number(from), client.localPort);
  const exited = onceWithin(server, 'exit', WAIT_MS, '--serve to exit after SIGTERM');
  server.kill('SIGTERM');
  const [code] = await exited;
  assert.equal(code, 0);
});

test('--serve on a port a live socket holds fails at once: one line, listen EADDRINUSE, exit code 1', async (t) => {
  const blocker = createServer().listen(0, '127.0.0.1');
  t.after(() => blocker.close());
  await onceWithin(blocker, 'listening', WAIT_MS, 'the blocker to listen');
  const { port } = blocker.address() as AddressInfo;
  const run = await runInProcess('02-bind', ['--serve', '--port', String(port)]);
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stdout, '', 'it never got to "listening on"');
  assert.equal(run.stderr, `error: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`);
});

/** Opens a connection, lets `closer` end it first, and waits until that end's port is in TIME_WAIT. */
async function timeWaitOn(closer: 'client' | 'server'): Promise<{ port: number; listener: Server }> {
  const listener = createServer({ allowHalfOpen: true }, (accepted) => {
    if (closer === 'server') accepted.end();
    else accepted.on('end', () => accepted.end());
  });
  listener.listen(0, '127.0.0.1');
  await onceWithin(listener, 'listening', WAIT_MS, 'the listener');
  const client = createConnection({ host: '127.0.0.1', port: (listener.address() as AddressInfo).port });
  await onceWithin(client, 'connect', WAIT_MS, 'the connection');
  const port = closer === 'client' ? client.localPort! : (listener.address() as AddressInfo).port;
  client.on('end', () => client.end());
  if (closer === 'client') client.end();
  await untilTrue(
    async () => (await readTable('tcp', [port])).some((row) => row.localPort === port && row.state === 'TIME_WAIT'),
    WAIT_MS,
    `port ${port} to be in TIME_WAIT`,
  );
  return { port, listener };
}

/** listen() on 127.0.0.1:port as Node does it (SO_REUSEADDR set): bound, or the error code. */
async function listenOn(port: number): Promise<string> {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  try {
    // events.once rejects with the 'error' the server emits instead of 'listening'.
    await onceWithin(server, 'listening', WAIT_MS, 'listen()');
    return 'bound';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  } finally {
    server.close();
  }
}

test("a TIME_WAIT left by a plain client blocks listen() on its port; one left by a server's end does not", {
  skip: linuxOnly,
}, async () => {
  // libuv sets SO_REUSEADDR in uv__tcp_bind() only: a listener has it, a socket that only connect()ed does not, and
  // the kernel lets a new bind share a port with a TIME_WAIT entry only when both carry the flag.
  const client = await timeWaitOn('client');
  client.listener.close();
  assert.equal(await listenOn(client.port), 'EADDRINUSE', `port ${client.port}: the client's TIME_WAIT`);
  const server = await timeWaitOn('server');
  await new Promise((resolve) => server.listener.close(resolve));
  assert.equal(await listenOn(server.port), 'bound', `port ${server.port}: the server's own TIME_WAIT`);
});

test("the output matches the sample in NOTES.md (rendered from this file's run)", () =>
  assertSeenMatchesNotes('02-bind', seen));

test('a port above 65535 is one error line and exit code 2', () =>
  assertRejects('02-bind', ['--serve', '--port', '70000'], /--port must be between 0 and 65535/));
test('a port that is not a number is one error line and exit code 2', () =>
  assertRejects('02-bind', ['--serve', '--port', 'abc'], /--port must be a whole number/));
test('a host name instead of an IP address is refused: localhost may mean ::1 or 127.0.0.1', () =>
  assertRejects('02-bind', ['--serve', '--host', 'localhost'], /--host must be an IP address/));
test('--port without --serve is one error line and exit code 2', () =>
  assertRejects('02-bind', ['--port', '8080'], /--(host|port) goes with --serve/));
test('an unknown flag is one error line and exit code 2', () =>
  assertRejects('02-bind', ['--backlog', '5'], /Unknown option '--backlog'/));

test('the questions of `npm run exercise -- 02` are answered by what this run measured', { skip: linuxOnly }, () => {
  assert.deepEqual(measuredAnswers(EXERCISE, seen), {
    'same-pair': 'EADDRINUSE',
    'other-address': 'ok',
    'udp-same-port': 'ok',
    'absent-address': seen.absentAddress.nonlocalBind ? 'ok' : 'EADDRNOTAVAIL',
  });
});
