/**
 * Exercise: a socket is a file descriptor.
 * Knobs (predict, then run):
 *   FILES=2  ordinary files opened one after another once the connection is up (1..50).
 *            Which numbers do they get? The first one is closed again: which number does the
 *            next socket get, and why not the number of the last file?
 * Run: FILES=4 npm run exercise -- 07
 */
import assert from 'node:assert/strict';
import { openSync, readSync } from 'node:fs';
import { createServer } from 'node:net';
import { before, test } from 'node:test';
import {
  KNOBS,
  descriptorOfInode,
  observeDescriptors,
  EXERCISE,
  mermaidDescriptors,
  type DescriptorObservations,
} from '../scripts/lab/07-socket-descriptor.ts';
import { readDescriptorTable, socketInodeOf } from '../scripts/lib/descriptors.ts';
import { readTable } from '../scripts/lib/proc-net.ts';
import { runTool } from '../scripts/lib/tools.ts';
import { onceWithin, stretchedByLoad } from '../scripts/lib/wait.ts';
import { atDefaults, knobs, measuredAnswers } from './lib/knobs.ts';
import { ROLE_LINE, runLessonAlone } from './lib/lesson.ts';
import { linuxOnly, toolOrSkip } from './lib/tools.ts';
import { assertMermaidMatchesNotes, assertOutputMatchesNotes, assertRejects, observedClean } from './lib/transcript.ts';

const { FILES } = knobs(KNOBS);

let seen: DescriptorObservations | undefined;
before(async () => {
  if (!linuxOnly) seen = await observedClean(() => observeDescriptors(FILES));
});

/** A socket line of the lesson: "fd 22 -> socket:[389026], the socket of the row 43765 -> 0 in /proc/net/tcp". */
const FOUND = /fd (\d+) -> socket:\[(\d+)\], the socket of the row (\d+) -> (\d+) in \/proc\/net\/tcp$/;

test("the lesson alone (copied into an empty folder, run by node): each socket is found by its row's " +
  'inode in /proc/self/fd, files take the lowest free number, and the next socket takes the one a file gave back', {
  skip: linuxOnly,
}, async () => {
  // Both runners at once: each is a process start, and the machine may be busy.
  await Promise.all(
    (['node'] as const).map(async (runner) => {
      const run = await runLessonAlone('07-socket-descriptor', runner, { FILES: String(FILES) });
      assert.equal(run.code, 0, `${runner}: ${run.stderr}`);
      const lines = run.stdout.trimEnd().split('\n');
      for (const line of lines) assert.match(line, ROLE_LINE, `${runner}: a line without its speaker`);
      assert.equal(lines.length, 5 + FILES, `${runner}: three sockets, the files, the close, one more socket`);
      const socketLine = (index: number, start: string) => {
        assert.ok(lines[index].startsWith(start), `${runner}: line ${index + 1} is "${lines[index]}"`);
        const [, fd, inode, local, remote] = FOUND.exec(lines[index]) ?? [];
        assert.ok(fd, `${runner}: the socket was found by its inode: ${lines[index]}`);
        return { fd: Number(fd), inode, local: Number(local), remote: Number(remote) };
      };
      const listener = socketLine(0, 'server: listen(): ');
      const [, clientFree] = /^client: connect\(\), fd (\d+) free: /.exec(lines[1]) ?? [];
      const client = socketLine(1, 'client: connect(), ');
      const accepted = socketLine(2, 'server: accept4(): ');
      assert.equal(listener.remote, 0, `${runner}: the listener's row has no peer`);
      assert.deepEqual(
        [client.remote, accepted.local, accepted.remote],
        [listener.local, listener.local, client.local],
      );
      assert.equal(client.fd, Number(clientFree), `${runner}: the client's socket took the lowest free number`);
      const files = lines.slice(3, 3 + FILES).map((line) => {
        const [, free, fd] = /^process: open\(\) of this file, fd (\d+) free: fd (\d+)$/.exec(line) ?? [];
        assert.equal(fd, free, `${runner}: open() took the lowest free number: ${line}`);
        return Number(fd);
      });
      assert.equal(lines[3 + FILES], `process: close(fd ${files[0]}); the lowest free number is fd ${files[0]}`);
      const second = socketLine(4 + FILES, 'client 2: connect(): ');
      assert.equal(second.fd, files[0], `${runner}: the next socket took the number the first file gave back`);
      const sockets = [listener, client, accepted, second];
      assert.equal(new Set(sockets.map(({ inode }) => inode)).size, 4, `${runner}: four sockets, four inodes`);
    }),
  );
});

test('the listener, the client and the accepted socket each hold a descriptor that links to socket:[inode]', {
  skip: linuxOnly,
}, () => {
  for (const socket of seen!.sockets) {
    // The descriptor was found by its link text, so the text naming the inode is given; fstat() is the independent
    // witness.
    assert.equal(socket.target, `socket:[${socket.inode}]`, `the ${socket.role}'s descriptor names its inode`);
    assert.equal(socketInodeOf(socket.target), socket.inode);
    assert.ok(socket.isSocket, `fstat(fd ${socket.fd}) says socket for the ${socket.role}`);
    assert.equal(
      socket.fstatInode,
      socket.inode,
      `fstat(fd ${socket.fd}) gives the inode of the ${socket.role}'s row in /proc/net/tcp`,
    );
  }
});

test('four sockets, four descriptor numbers, four inodes', { skip: linuxOnly }, () => {
  const sockets = seen!.sockets;
  assert.equal(new Set(sockets.map((socket) => socket.fd)).size, sockets.length);
  assert.equal(new Set(sockets.map((socket) => socket.inode)).size, sockets.length);
});

test("accept() returns a new descriptor, not the listener's", { skip: linuxOnly }, () => {
  const [listener, client, accepted] = seen!.sockets;
  assert.notEqual(accepted.fd, listener.fd);
  assert.notEqual(accepted.fd, client.fd);
  assert.equal(listener.state, 'LISTEN');
  assert.equal(accepted.state, 'ESTABLISHED');
  assert.equal(
    accepted.local,
    listener.local,
    "the accepted socket has the listener's address and port, yet is another socket",
  );
});

test(`each of ${FILES} ordinary file(s) takes the lowest free number of the same table`, { skip: linuxOnly }, () => {
  const files = seen!.files;
  assert.equal(files.length, FILES);
  for (const file of files) {
    assert.equal(file.fd, file.lowestFreeBefore);
    assert.ok(file.isFile, 'fstat says regular file');
  }
  const socketFds = new Set(seen!.sockets.slice(0, 3).map((socket) => socket.fd));
  assert.ok(
    files.every((file) => !socketFds.has(file.fd)),
    'a file never gets a number a socket still holds',
  );
});

test('close() frees the number, and the next socket reuses it', { skip: linuxOnly }, () => {
  const { freedFd, lowestFreeAfterClose, nextSocketFd } = seen!.reuse;
  assert.equal(lowestFreeAfterClose, freedFd, 'the freed number is the lowest free one');
  assert.equal(nextSocketFd, freedFd, 'the second client socket took it');
  if (FILES > 1)
    assert.ok(nextSocketFd < seen!.files[FILES - 1].fd, 'the lowest free number, not the next after the last one used');
});

test("after the demo, none of its sockets or files is left in this process's table", { skip: linuxOnly }, () => {
  const inodes = new Set(seen!.sockets.map((socket) => socket.inode));
  const left = readDescriptorTable().filter(
    (entry) => inodes.has(socketInodeOf(entry.target) ?? -1) || entry.target === seen!.files[0].path,
  );
  assert.deepEqual(left, []);
});

test("a second witness: ss reports the same fd and inode for a listener, and Node's own handle agrees", {
  skip: linuxOnly,
}, async (t) => {
  const ss = await toolOrSkip(t, 'ss');
  if (!ss) return;
  const server = createServer().listen(0, '127.0.0.1');
  t.after(() => server.close());
  await onceWithin(server, 'listening', stretchedByLoad(2000), 'the listener');
  const port = (server.address() as { port: number }).port;
  const row = (await readTable('tcp', [port])).find(
    (candidate) => candidate.state === 'LISTEN' && candidate.localPort === port,
  );
  assert.ok(row, 'the listener has a row in /proc/net/tcp');
  const descriptor = descriptorOfInode(row.inode);
  assert.ok(descriptor, `a descriptor links to socket:[${row.inode}]`);

  const { stdout } = await runTool(ss, ['-Hltnpe', `sport = :${port}`]);
  assert.match(stdout, new RegExp(`pid=${process.pid},fd=${descriptor.fd}\\)`), `ss: ${stdout}`);
  assert.match(stdout, new RegExp(`\\bino:${row.inode}\\b`), `ss: ${stdout}`);
  // Node keeps the number on an undocumented field (Linux and macOS); it agrees with the kernel's table.
  assert.equal((server as unknown as { _handle: { fd: number } })._handle.fd, descriptor.fd);
});

test('"everything is a file" has limits: a socket cannot be reopened by its /proc path (ENXIO) and has no file ' +
  'position (ESPIPE)', {
  skip: linuxOnly,
}, async (t) => {
  const server = createServer().listen(0, '127.0.0.1');
  t.after(() => server.close());
  await onceWithin(server, 'listening', stretchedByLoad(2000), 'the listener');
  const port = (server.address() as { port: number }).port;
  const row = (await readTable('tcp', [port])).find(
    (candidate) => candidate.state === 'LISTEN' && candidate.localPort === port,
  );
  const descriptor = descriptorOfInode(row!.inode)!;
  assert.throws(() => openSync(`/proc/self/fd/${descriptor.fd}`, 'r'), { code: 'ENXIO' });
  assert.throws(
    () => readSync(descriptor.fd, Buffer.alloc(1), 0, 1, 0),
    { code: 'ESPIPE' },
    'a read at a file offset (pread)',
  );
});

test('the output matches the sample in NOTES.md', { skip: linuxOnly }, () =>
  assertOutputMatchesNotes('07-socket-descriptor'),
);

test('--files out of range is one error line and exit code 2', () =>
  assertRejects('07-socket-descriptor', ['--files', '0'], /--files must be between 1 and 100/));

test('an unknown flag is one error line and exit code 2', () =>
  assertRejects('07-socket-descriptor', ['--port', '80'], /Unknown option '--port'/));

test('the questions of `npm run exercise -- 07` are answered by what this run measured', { skip: linuxOnly }, () => {
  assert.deepEqual(measuredAnswers(EXERCISE, seen), {
    'file-after-sockets': 'lowest',
    'files-span': FILES - 1,
    reuse: 'freed',
  });
});

test('the diagram in NOTES.md is the one this run draws (--mermaid, --files 2)', { skip: linuxOnly }, (t) => {
  if (!atDefaults(KNOBS, { FILES })) return t.skip(`the diagram shows FILES=${KNOBS.knobs.FILES.fallback}`);
  return assertMermaidMatchesNotes('07-socket-descriptor', mermaidDescriptors(seen!));
});
