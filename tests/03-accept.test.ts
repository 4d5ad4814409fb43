/**
 * Exercise: accept() and the server flow. Knob:
 *   CLIENTS  how many clients connect (default 3)
 * Predict, then run (CLIENTS=5 npm run exercise -- 03):
 *   - How many descriptors will the server hold at the end? How many local ports?
 *   - Which descriptor does the kernel deliver the clients' bytes on?
 */
import assert from 'node:assert/strict';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { before, test } from 'node:test';
import {
  type AcceptObservations,
  KNOBS,
  listenerRows,
  MAX_CLIENTS,
  observeAccept,
  renderAccept,
  EXERCISE,
  DEFAULT_CLIENTS,
  mermaidAccept,
} from '../scripts/lab/03-accept.ts';
import { renderTimeline } from '../scripts/lib/cli.ts';
import { onceWithin, stretchedByLoad } from '../scripts/lib/wait.ts';
import { atDefaults, knobs, measuredAnswers } from './lib/knobs.ts';
import { ROLE_LINE, runLessonAlone } from './lib/lesson.ts';
import { nodeArgsFor } from '../scripts/lib/child.ts';
import { runTool } from '../scripts/lib/tools.ts';
import { startServing } from './lib/serve.ts';
import { PYTHON3 } from './lib/terminal.ts';
import { linuxOnly } from './lib/tools.ts';
import {
  assertMermaidMatchesNotes,
  assertOutputMatchesNotes,
  assertRejects,
  ROOT,
  runInProcess,
} from './lib/transcript.ts';

const { CLIENTS } = knobs(KNOBS);
let seen: AcceptObservations;
before(async () => {
  seen = await observeAccept(CLIENTS);
});

test(
  'the lesson alone (copied into an empty folder, run by node): each client is accepted on the ' +
    "listener's port, on a socket facing that client's own port",
  async () => {
    for (const runner of ['node'] as const) {
      const run = await runLessonAlone('03-accept', runner, { CLIENTS: String(CLIENTS) });
      assert.equal(run.code, 0, `${runner}: ${run.stderr}`);
      const lines = run.stdout.trimEnd().split('\n');
      for (const line of lines) assert.match(line, ROLE_LINE, `${runner}: a line without its speaker`);
      const [, listener] = /^server: listening on 127\.0\.0\.1:(\d+)$/.exec(lines[0]) ?? [];
      const accepted = lines.flatMap((line) => {
        const match = /^server: accept\(\) -> a new socket on port (\d+), facing port (\d+)$/.exec(line);
        return match ? [{ local: match[1], peer: match[2] }] : [];
      });
      const clients = lines.flatMap((line) => {
        const match = /^client (\d+): from port (\d+), heard back "hello from client (\d+)"$/.exec(line);
        return match && match[1] === match[3] ? [match[2]] : [];
      });
      assert.ok(listener, `${runner}: the first line names the listener: ${lines[0]}`);
      assert.equal(clients.length, CLIENTS, `${runner}: every client hears its own words back`);
      assert.deepEqual(
        accepted.map(({ local }) => local),
        clients.map(() => listener),
        `${runner}: local ports`,
      );
      assert.deepEqual(accepted.map(({ peer }) => peer).sort(), clients.toSorted(), `${runner}: peers`);
      assert.equal(lines.at(-1), `server: closed; all ${CLIENTS} connections and the listener are gone`);
    }
  },
);

test(`every one of the ${CLIENTS} clients is accepted, each on a socket of its own`, () => {
  assert.equal(seen.clients.length, CLIENTS);
  const peers = new Set(seen.clients.map((entry) => entry.accepted.remote.port));
  assert.equal(peers.size, CLIENTS, 'every accepted socket faces a different client port');
});

test("accepted sockets keep the listener's local port; the client's port tells them apart", () => {
  for (const entry of seen.clients) {
    assert.deepEqual(entry.accepted.local, seen.listener.local);
    assert.deepEqual(entry.accepted.remote, { address: entry.client.address, port: entry.client.port });
  }
});

test("each accept() returns a new descriptor, never the listener's", { skip: linuxOnly }, () => {
  const accepted = seen.clients.map((entry) => entry.accepted.fd);
  const clientFds = seen.clients.map((entry) => entry.client.fd);
  const all = [seen.listener.fd, ...accepted, ...clientFds];
  assert.ok(
    all.every((fd) => typeof fd === 'number' && fd >= 0),
    `descriptors: ${all}`,
  );
  assert.equal(
    new Set(all).size,
    1 + 2 * CLIENTS,
    'listener, accepted and client sockets: one number each, from one table',
  );
});

test('every client hears exactly its own words back: the bytes travel on its own connection', () => {
  for (const entry of seen.clients) {
    assert.equal(entry.heardBack, entry.said);
    assert.equal(entry.accepted.bytesRead, Buffer.byteLength(entry.said));
  }
});

test(`the kernel lists one LISTEN row and ${CLIENTS} ESTABLISHED rows on the listener's port`, {
  skip: linuxOnly,
}, () => {
  assert.equal(seen.kernel?.listening, 1);
  assert.equal(seen.kernel?.serverEnds, CLIENTS);
  const clientPorts = seen.clients.map((entry) => entry.client.port).sort((a, b) => a - b);
  assert.deepEqual(
    seen.kernel?.serverEndPeers.toSorted((a, b) => a - b),
    clientPorts,
    "each ESTABLISHED row on the listener's port faces one client",
  );
});

test("a connection from another program is told apart by its peer: it is no client's row, and the output names it", {
  skip: linuxOnly,
}, async (t) => {
  const server = createServer((socket) => t.after(() => socket.destroy()));
  t.after(() => server.close());
  server.listen(0, '127.0.0.1');
  await onceWithin(server, 'listening', stretchedByLoad(2000), 'the listener');
  const listener = server.address() as AddressInfo;
  const connect = async () => {
    const client = createConnection({ host: '127.0.0.1', port: listener.port });
    t.after(() => client.destroy());
    await onceWithin(client, 'connect', stretchedByLoad(2000), 'a connection');
    return { address: client.localAddress!, port: client.localPort! };
  };
  const ours = await connect();
  const stranger = await connect();

  const rows = await listenerRows(listener, [ours]);
  assert.deepEqual(
    rows,
    { listening: 1, serverEnds: 1, serverEndPeers: [ours.port], strangers: 1 },
    `the stranger came from port ${stranger.port}`,
  );
  const text = renderTimeline(renderAccept({ ...seen, kernel: rows }));
  assert.match(
    text,
    /kernel: +rows on local port \d+: 1 LISTEN, 1 ESTABLISHED, one per client, and 1 more from peers that are not ours/,
  );
});

test('the output matches the sample in NOTES.md', () =>
  // How many descriptors Node holds before the lesson depends on the machine and the Node version.
  assertOutputMatchesNotes('03-accept', [
    [/3-\d+ were open before the lesson \([^:]*:/g, '3-N were open before the lesson (…:'],
    [/\), and \d+ above them;/g, ');'],
  ]));

test('--serve echoes a real client on its own accepted socket and exits 0 on SIGTERM', async (t) => {
  let output = '';
  const { server, found: port } = await startServing(t, '03-accept', (stdout) => {
    output = stdout;
    const match = /listening on 127\.0\.0\.1:(\d+)/.exec(stdout);
    return match ? Number(match[1]) : undefined;
  });

  const client = createConnection({ host: '127.0.0.1', port });
  t.after(() => client.destroy());
  client.setEncoding('utf8').end('ping');
  const [echoed] = await onceWithin(client, 'data', stretchedByLoad(2000), 'the echo');
  assert.equal(echoed, 'ping');

  const exited = onceWithin(server, 'exit', stretchedByLoad(5000), 'the server to exit after SIGTERM');
  server.kill('SIGTERM');
  const [code] = await exited;
  assert.equal(code, 0);
  assert.match(output, /server: accept\(\) -> a new socket, fd \d+, for 127\.0\.0\.1:\d+/);
});

test('bad input is one error line and exit code 2', async () => {
  await Promise.all([
    assertRejects('03-accept', ['--clients', '0'], new RegExp(`--clients must be between 1 and ${MAX_CLIENTS}`)),
    assertRejects('03-accept', ['--clients', 'many'], /--clients must be a whole number/),
    assertRejects('03-accept', ['--serve', '--port', '65536'], /--port must be between 0 and 65535/),
    assertRejects('03-accept', ['--port', '8080'], /--(host|port) goes with --serve/),
  ]);
});

test('--help explains the flags and exits 0', async () => {
  const run = await runInProcess('03-accept', ['--help']);
  assert.equal(run.code, 0);
  assert.match(run.stdout, /--clients N/);
});

test('the questions of `npm run exercise -- 03` are answered by what this run measured', { skip: linuxOnly }, () => {
  assert.deepEqual(measuredAnswers(EXERCISE, seen), {
    'server-sockets': CLIENTS + 1,
    'accepted-port': 'listener',
    descriptors: 1 + 2 * CLIENTS,
  });
});

test('the diagram in NOTES.md is the one this run draws (--mermaid)', (t) => {
  if (!atDefaults(KNOBS, { CLIENTS })) return t.skip(`the diagram shows CLIENTS=${DEFAULT_CLIENTS}`);
  return assertMermaidMatchesNotes('03-accept', mermaidAccept(seen));
});

test("on a terminal, the lesson's own lines come first, as it prints them, then the lab's view of them", async () => {
  // A pseudo-terminal of its own (tests/probes/in-terminal.py): stderr is a terminal there, as a learner's is.
  const run = await runTool(
    PYTHON3,
    ['tests/probes/in-terminal.py', process.execPath, ...nodeArgsFor('scripts/03-accept.ts', ['--clients', '2'])],
    60_000,
    ROOT,
  );
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.replaceAll('\r', '').split('\n');
  const lessonStarts = lines.indexOf("── the lesson's own lines, as it runs ──");
  const labStarts = lines.indexOf('── the lab: what the kernel made of each step ──');
  assert.ok(lessonStarts >= 0 && labStarts > lessonStarts, `the two headings, in order: ${run.stdout}`);
  const lessonLines = lines.slice(lessonStarts + 1, labStarts);
  assert.match(lessonLines[0], /^ {2}lesson │ server: listening on 127\.0\.0\.1:\d+$/);
  assert.equal(lessonLines.filter((line) => / {2}lesson │ client \d: .* heard back/.test(line)).length, 2);
  assert.match(lines[labStarts + 1], /^process: /);
});
