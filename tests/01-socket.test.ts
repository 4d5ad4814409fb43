/**
 * Exercise: what a socket is. No knobs here; predict, then run:
 *   - Do the two ends of one connection share an IP address? A port? A PID?
 *   - How many rows does the kernel keep for one connection between two local processes?
 * Run: npm run exercise -- 01
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { EXERCISE, observeSocket, type SocketObservations } from '../scripts/lab/01-socket.ts';
import { assertRejects, assertSeenMatchesNotes, observedClean, runScript } from './lib/transcript.ts';
import { measuredAnswers } from './lib/knobs.ts';
import { storyOfLessonAlone } from './lib/lesson.ts';
import { linuxOnly } from './lib/tools.ts';

let seen: SocketObservations;
before(async () => {
  seen = await observedClean(observeSocket);
});

test(
  'the lesson alone (copied into an empty folder, run by node): its two ends are in two processes, ' +
    'share 127.0.0.1 and differ by port, and the PID the client hears is the one the server sent, its own',
  async () => {
    for (const runner of ['node'] as const) {
      const lines = await storyOfLessonAlone('01-socket', runner);
      const story = [
        /^server: pid (\d+) listens on 127\.0\.0\.1:(\d+)$/,
        /^client: pid (\d+) connects from 127\.0\.0\.1:(\d+) to 127\.0\.0\.1:(\d+)$/,
        /^server: accepted a client: this end 127\.0\.0\.1:(\d+), the other end 127\.0\.0\.1:(\d+)$/,
        /^client: asked "who are you\?" and heard "pid (\d+)"$/,
        /^server: pid (\d+) closed its sockets and exited with code 0$/,
      ];
      assert.equal(lines.length, story.length, `${runner}: ${lines.join('\n')}`);
      const [listens, connects, accepts, hears, exits] = lines.map((line, i) => {
        const match = story[i].exec(line);
        assert.ok(match, `${runner}: line ${i + 1} tells its step: ${line}`);
        return match.slice(1);
      });
      const [serverPid, serverPort] = listens;
      const [clientPid, clientPort, dialedPort] = connects;
      assert.notEqual(clientPid, serverPid, `${runner}: two processes`);
      assert.equal(dialedPort, serverPort, `${runner}: the client dials the port the server listens on`);
      assert.notEqual(clientPort, serverPort, `${runner}: the two ends differ by port`);
      assert.deepEqual(accepts, [serverPort, clientPort], `${runner}: the server's end mirrors the client's`);
      assert.deepEqual([hears[0], exits[0]], [serverPid, serverPid], `${runner}: the PID the server said is its own`);
    }
  },
);

test('each end of a connection is an (IP address, port) pair, and the two pairs mirror each other', () => {
  assert.deepEqual(seen.client.remote, seen.server.listening, 'the client talks to the address the server listens on');
  assert.deepEqual(seen.server.accepted.remote, seen.client.local, "the server sees the client's own address and port");
  assert.deepEqual(seen.server.accepted.local, seen.client.remote);
});

test('on one machine both ends share the IP address and differ by port', () => {
  assert.equal(seen.client.local.address, seen.server.accepted.local.address);
  assert.notEqual(seen.client.local.port, seen.server.accepted.local.port);
});

test('each end lives in its own process, and the connection carries no PID: the server has to say it', () => {
  assert.notEqual(seen.client.pid, seen.server.pid);
  assert.equal(seen.client.heard, `pid ${seen.server.pid}`, 'the server told the client its PID over the socket');
});

test('the kernel keeps one row per socket: the listener and one per end of the connection', { skip: linuxOnly }, () => {
  const rows = seen.kernelRows!;
  const port = seen.server.listening.port;
  assert.deepEqual(rows.map((row) => row.state).sort(), ['ESTABLISHED', 'ESTABLISHED', 'LISTEN']);
  const serverEnd = rows.find((row) => row.state === 'ESTABLISHED' && row.local.port === port);
  const clientEnd = rows.find((row) => row.state === 'ESTABLISHED' && row.remote.port === port);
  assert.deepEqual(serverEnd?.remote, seen.client.local);
  assert.deepEqual(clientEnd?.local, seen.client.local);
  assert.equal(new Set(rows.map((row) => row.inode)).size, 3, 'three sockets, three inodes');
});

test('the loopback interface carries 127.0.0.1', () => {
  assert.ok(seen.interfaces.some((entry) => entry.internal && entry.cidr === '127.0.0.1/8'));
});

test("the output matches the sample in NOTES.md (rendered from this file's run)", () =>
  assertSeenMatchesNotes('01-socket', seen));

test('an unknown flag is one error line and exit code 2', () =>
  assertRejects('01-socket', ['--clients', '3'], /Unknown option '--clients'/));

test('as a real process, bad input reaches the shell as exit code 2 with one line on stderr', async () => {
  const run = await runScript('01-socket', ['--clients', '3']);
  assert.equal(run.code, 2);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^error: Unknown option '--clients'[^\n]*\n$/);
});

test('the questions of `npm run exercise -- 01` are answered by what this run measured', { skip: linuxOnly }, () => {
  assert.deepEqual(measuredAnswers(EXERCISE, seen), { rows: 3, 'client-port': 'picked' });
});
