/**
 * @title A socket is a file descriptor
 * @concept Every socket a process opens is a small number in that process's descriptor table, the same table its
 *   ordinary files use, and the number leads to the socket's inode and its row in /proc/net/tcp.
 * @notes #31-a-socket-is-a-file-descriptor-07-socket-descriptor
 * @run npx tsx scripts/07-socket-descriptor.ts
 * @resource https://man7.org/linux/man-pages/man5/proc_pid_fd.5.html
 * @resource https://man7.org/linux/man-pages/man2/open.2.html
 * @resource https://man7.org/linux/man-pages/man2/accept.2.html
 * @knobs FILES
 *
 * A listener, a client and the socket accept() returns all live in this one process. Each is
 * found twice: as a row of /proc/net/tcp (which carries the socket's inode) and as an entry of
 * /proc/self/fd (which links a descriptor number to "socket:[inode]"). The inode ties the two.
 * An ordinary file opened in between takes its number from the same table, and a number freed
 * by closing that file is the one the next socket gets.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { defineScript, integerFlag, isMain, runScript, type Line, defineKnobs } from './lib/cli.ts';
import { type Descriptor, readDescriptorTable, socketInodeOf } from './lib/descriptors.ts';
import { hasProcNet, readTable, type SocketRow } from './lib/proc-net.ts';
import { label } from './lib/mermaid.ts';
import { defineExercise } from './lib/questions.ts';
import { onceWithin } from './lib/wait.ts';

const HOST = '127.0.0.1';
const STEP_TIMEOUT_MS = 2000;
const MAX_FILES = 100;
/** The exercise's knob: the same number and range as --files (the test opens two by default). */
export const KNOBS = defineKnobs({ FILES: { fallback: 2, min: 1, max: MAX_FILES } });

// --- The lesson: sockets and files take their numbers from one descriptor table ------------

/** Opens a listener, a connection and a file in this process, and reads their descriptors from /proc/self/fd. */
export async function observeDescriptors(fileCount = 1): Promise<DescriptorObservations> {
  /* c8 ignore next -- the Linux-only refusal; CI runs on Linux */
  if (!hasProcNet) throw new Error('this lesson reads /proc/self/fd and /proc/net/tcp, which only Linux has');
  const server = createServer();
  const open: Socket[] = [];
  const openFiles: number[] = [];
  const files: DescriptorObservations['files'] = [];
  try {
    // socket() returns a descriptor; bind() and listen() work on it (all three inside listen()).
    server.listen(0, HOST);
    await onceWithin(server, 'listening', STEP_TIMEOUT_MS, 'the listener');
    const port = (server.address() as { port: number }).port;
    // Each socket found twice: its row in /proc/net/tcp, and the descriptor linking to that row's inode.
    const listener = await locate(
      'listener',
      port,
      (row) => row.state === 'LISTEN' && row.localAddress === HOST && row.localPort === port,
    );

    // connect() on a new socket, accept4() on the server: two more descriptors, one per end.
    const first = await connectPair(server, port, open);
    const clientPort = first.client.localPort!;
    const client = await locate('client', port, (row) => row.localPort === clientPort && row.remotePort === port);
    const accepted = await locate(
      'accepted socket',
      port,
      (row) => row.localPort === port && row.remotePort === clientPort,
    );

    // open() of ordinary files: each follows a fresh read of the table, with nothing else running in between.
    const path = fileURLToPath(import.meta.url);
    for (let i = 0; i < fileCount; i++) {
      const lowestFreeBefore = lowestFreeDescriptor();
      const fd = openSync(path, 'r');
      openFiles.push(fd);
      files.push({ path, lowestFreeBefore, fd, isFile: fstatSync(fd).isFile() });
    }

    // close() the first file: the next socket() this process makes gets that number back, lowest free first.
    const freedFd = openFiles.shift()!;
    closeSync(freedFd);
    const lowestFreeAfterClose = lowestFreeDescriptor();
    const second = await connectPair(server, port, open);
    const secondPort = second.client.localPort!;
    const secondClient = await locate(
      'second client',
      port,
      (row) => row.localPort === secondPort && row.remotePort === port,
    );

    return {
      pid: process.pid,
      sockets: [listener, client, accepted, secondClient],
      files,
      reuse: { freedFd, lowestFreeAfterClose, nextSocketFd: secondClient.fd },
    };
  } finally {
    for (const socket of open) socket.destroy();
    for (const fd of openFiles) closeSync(fd);
    server.close();
  }
}

// --- Instrumentation: reading /proc/self/fd and /proc/net/tcp --------------------------------

/** The descriptor of this process that holds the socket with this inode. */
export function descriptorOfInode(inode: number): Descriptor | undefined {
  return readDescriptorTable().find((entry) => socketInodeOf(entry.target) === inode);
}

/** The number the next open(), socket() or accept() will get: the lowest one not in use. */
export function lowestFreeDescriptor(): number {
  const used = new Set(readDescriptorTable().map((entry) => entry.fd));
  let fd = 0;
  while (used.has(fd)) fd++;
  return fd;
}

export interface SocketDescriptor {
  role: 'listener' | 'client' | 'accepted socket' | 'second client';
  /** The socket's row in /proc/net/tcp. */
  state: string;
  local: string;
  remote: string;
  inode: number;
  /** The descriptor in /proc/self/fd that links to socket:[inode]. */
  fd: number;
  target: string;
  /** What fstat(fd) says the descriptor is, and its inode: a second witness beside the link's text. */
  isSocket: boolean;
  fstatInode: number;
}

export interface DescriptorObservations {
  pid: number;
  sockets: SocketDescriptor[];
  /**
   * Ordinary files opened one after another: the lowest free number just before each open(), and what open() returned.
   */
  files: Array<{ path: string; lowestFreeBefore: number; fd: number; isFile: boolean }>;
  reuse: {
    /** The first file's number, the lowest free number once it is closed, and the number the next socket got. */
    freedFd: number;
    lowestFreeAfterClose: number;
    nextSocketFd: number;
  };
}

const endpoint = (address: string, port: number) => `${address}:${port}`;

/**
 * Finds one socket twice: by its row in /proc/net/tcp, then by the descriptor linking to its inode.
 * `port` is the listener's, which every row of the demo has at one end or the other.
 */
async function locate(
  role: SocketDescriptor['role'],
  port: number,
  matches: (row: SocketRow) => boolean,
): Promise<SocketDescriptor> {
  const row = (await readTable('tcp', [port])).find(matches);
  if (!row) throw new Error(`no row in /proc/net/tcp for the ${role}`);
  const descriptor = descriptorOfInode(row.inode);
  if (!descriptor) throw new Error(`no descriptor in /proc/self/fd links to socket:[${row.inode}] (the ${role})`);
  const stat = fstatSync(descriptor.fd);
  return {
    role,
    state: row.state,
    local: endpoint(row.localAddress, row.localPort),
    remote: endpoint(row.remoteAddress, row.remotePort),
    inode: row.inode,
    fd: descriptor.fd,
    target: descriptor.target,
    isSocket: stat.isSocket(),
    fstatInode: stat.ino,
  };
}

/**
 * Connects a client to the listener and waits until both ends exist: the client's and the
 * accepted one. Each goes on `open` as soon as it exists, so the caller closes it whatever happens.
 */
async function connectPair(
  server: Server,
  port: number,
  open: Socket[],
): Promise<{ client: Socket; accepted: Socket }> {
  const client = createConnection({ host: HOST, port });
  open.push(client);
  const [[accepted]] = (await Promise.all([
    onceWithin(server, 'connection', STEP_TIMEOUT_MS, 'the listener to accept'),
    onceWithin(client, 'connect', STEP_TIMEOUT_MS, 'the client to connect'),
  ])) as [[Socket], unknown[]];
  open.push(accepted);
  return { client, accepted };
}

export function renderDescriptors(seen: DescriptorObservations): Line[] {
  const lines: Line[] = [['process', `pid ${seen.pid}; its descriptor table is /proc/self/fd`]];
  for (const socket of seen.sockets) {
    const peer = socket.state === 'LISTEN' ? '' : ` -> ${socket.remote}`;
    lines.push(
      ['kernel', `/proc/net/tcp: ${socket.state} ${socket.local}${peer}, inode ${socket.inode} (the ${socket.role})`],
      ['process', `fd ${socket.fd} -> ${socket.target}; fstat().isSocket() is ${socket.isSocket}`],
    );
  }
  const [listener, , accepted] = seen.sockets;
  lines.push([
    'process',
    `accept() returned fd ${accepted.fd} for the connection; the listener keeps fd ${listener.fd}`,
  ]);
  for (const file of seen.files) {
    lines.push([
      'process',
      `open() of this script's own file: fd ${file.fd}, when the lowest free number was fd ` +
        `${file.lowestFreeBefore}; fstat().isFile() is ${file.isFile}`,
    ]);
  }
  const { freedFd, lowestFreeAfterClose, nextSocketFd } = seen.reuse;
  lines.push(['process', `close(fd ${freedFd}): the lowest free number is now fd ${lowestFreeAfterClose}`]);
  lines.push([
    'process',
    nextSocketFd === freedFd
      ? `the next socket, a second client, got fd ${nextSocketFd} back: files and sockets share one table`
      : `the next socket, a second client, got fd ${nextSocketFd}, not the freed fd ${freedFd}`,
  ]);
  return lines;
}

/** The process's descriptors and what each points at, as a Mermaid flowchart (`--mermaid`). */
export function mermaidDescriptors(seen: DescriptorObservations): string[] {
  const lines = [
    'flowchart LR',
    `    subgraph table[${label(`pid ${seen.pid}: /proc/self/fd`)}]`,
    ...seen.sockets.map((socket, i) => `      D${i}[${label(`fd ${socket.fd}`)}]`),
    ...seen.files.map((file, i) => {
      const closed = file.fd === seen.reuse.freedFd ? ', closed before the second client took the number' : '';
      return `      F${i}[${label(`fd ${file.fd}${closed}`)}]`;
    }),
    '    end',
  ];
  seen.sockets.forEach((socket, i) => {
    const row = `/proc/net/tcp: ${socket.state} ${socket.local} -> ${socket.remote}, inode ${socket.inode}`;
    lines.push(`    D${i} --> S${i}[${label(`socket:[${socket.inode}]<br/>the ${socket.role}`)}]`);
    lines.push(`    S${i} --- R${i}[${label(row)}]`);
  });
  // The checkout's own path differs from machine to machine: its last two parts say enough.
  const shortPath = (path: string) => path.split('/').slice(-2).join('/');
  lines.push(
    ...seen.files.map((file, i) => `    F${i} --> P${i}[${label(`${shortPath(file.path)}<br/>a regular file`)}]`),
  );
  return lines;
}

/** Predict, then run: `npm run exercise -- 07`. */
export const EXERCISE = defineExercise({
  knobs: KNOBS,
  observe: ({ FILES }) => observeDescriptors(FILES),
  questions: [
    {
      id: 'file-after-sockets',
      kind: 'choice',
      ask: () => 'The process holds four sockets, then opens an ordinary file. Which descriptor does open() return?',
      options: [
        ['lowest', 'the lowest free number, from the same table the sockets took theirs from'],
        ['three', '3: files are numbered apart from sockets'],
      ],
      measure: ({ files: [first] }) =>
        first.fd === first.lowestFreeBefore ? 'lowest' : first.fd === 3 ? 'three' : String(first.fd),
      why: () => 'a socket and a file are both open files of the process, numbered from one descriptor table',
    },
    {
      id: 'files-span',
      kind: 'number',
      ask: ({ FILES }) =>
        `${FILES} files are opened one after another. How far apart are the first file's descriptor and the last's?`,
      measure: ({ files }) => files[files.length - 1].fd - files[0].fd,
      why: ({ files }) => `each open() takes the lowest free number, here ${files.map((file) => file.fd).join(', ')}`,
    },
    {
      id: 'reuse',
      kind: 'choice',
      ask: () => "The first file is closed, then a new socket is made. The socket's descriptor?",
      options: [
        ['freed', 'the number the file just freed'],
        ['higher', 'a number higher than any used so far'],
      ],
      measure: ({ reuse }) => (reuse.nextSocketFd === reuse.freedFd ? 'freed' : 'higher'),
      why: ({ reuse }) => `close() freed ${reuse.freedFd}, the lowest free number, and socket() took it`,
    },
  ],
});

/** The command line, exported so tests can run it in-process. */
export const cli = defineScript({
  usage: `
Usage: npx tsx scripts/07-socket-descriptor.ts [--files N] [--json | --mermaid]

Opens a listener on ${HOST}, connects a client to it and accepts, all in this process, then
finds each socket twice: by its row in /proc/net/tcp and by its descriptor in /proc/self/fd,
tied together by the socket's inode. Then opens ordinary files and closes the first of them, to
show that files and sockets take their numbers from the same table, lowest free number first.
Linux only.

--files N  open N ordinary files (1 to ${MAX_FILES}, default 1), then close the first`,
  flags: { files: { type: 'string', default: '1' } },
  demo: (values) => observeDescriptors(integerFlag(values, 'files', 1, MAX_FILES)),
  render: renderDescriptors,
  mermaid: mermaidDescriptors,
});

if (isMain(import.meta.url)) await runScript(cli);
