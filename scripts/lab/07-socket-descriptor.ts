/**
 * The lab of 07-socket-descriptor: runs the lesson (scripts/07-socket-descriptor.ts) and finds
 * each socket it makes twice, at the step that made it: as a row of /proc/net/tcp (which carries
 * the socket's inode) and as an entry of /proc/self/fd (which links a number to
 * "socket:[inode]"), with fstat() as a second witness. It checks each file the lesson opens
 * (its number, from the lesson's line, against this process's table) and the number the next
 * socket gets once the first file is closed. Also --json, --mermaid and the questions of
 * `npm run exercise -- 07`. Linux only.
 */
import { fstatSync, readlinkSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { main } from '../07-socket-descriptor.ts';
import { defineScript, integerFlag, isMain, runScript, type Line, defineKnobs } from '../lib/cli.ts';
import { type Descriptor, readDescriptorTable, socketInodeOf } from '../lib/descriptors.ts';
import { watchLesson } from '../lib/lab.ts';
import { hasProcNet, readTableNow, type SocketRow } from '../lib/proc-net.ts';
import { label } from '../lib/mermaid.ts';
import { defineExercise } from '../lib/questions.ts';
import { within } from '../lib/wait.ts';

const HOST = '127.0.0.1';
const MAX_FILES = 100;
/** The lesson ends in well under a second on loopback; the bound only keeps a broken one from hanging. */
const LESSON_TIMEOUT_MS = 30_000;
/** The exercise's knob: the same number and range as --files (the test opens two by default). */
export const KNOBS = defineKnobs({ FILES: { fallback: 2, min: 1, max: MAX_FILES } });
/** The lesson's line for each file it opens: "process: open() of this file, fd 25 free: fd 25". */
const OPENED_LINE = /^process: open\(\) of this file, .*: fd (\d+)$/;

// --- Watching the lesson run ---------------------------------------------------------------

/** Runs the lesson with `fileCount` files and reads the descriptor table at each of its steps. */
export async function observeDescriptors(fileCount = 1): Promise<DescriptorObservations> {
  /* c8 ignore next -- the Linux-only refusal; CI runs on Linux */
  if (!hasProcNet) throw new Error('this lesson reads /proc/self/fd and /proc/net/tcp, which only Linux has');
  const found: Partial<Record<SocketDescriptor['role'], SocketDescriptor>> = {};
  const files: DescriptorObservations['files'] = [];
  let port = 0;
  let clients = 0;
  let lowestFreeAfterClose: number | undefined;
  let failure: unknown;
  // A channel's subscriber must not throw (Node would report it as uncaught): the first failure waits here.
  const atStep = (step: () => void) => {
    try {
      step();
    } catch (error) {
      failure ??= error;
    }
  };

  await within(
    watchLesson(() => main(fileCount), {
      listening(server) {
        port = (server.address() as AddressInfo).port;
        atStep(() => {
          found.listener = locate(
            'listener',
            port,
            (row) => row.state === 'LISTEN' && row.localAddress === HOST && row.localPort === port,
          );
        });
      },
      connecting(socket) {
        const role = ++clients === 1 ? 'client' : 'second client';
        // connect() makes its socket after this: the lowest free number now is the one it will get.
        if (role === 'second client') lowestFreeAfterClose = lowestFreeDescriptor();
        socket.once('connect', () =>
          atStep(() => {
            found[role] = locate(role, port, (row) => row.localPort === socket.localPort && row.remotePort === port);
          }),
        );
      },
      accepted(socket: Socket) {
        if (found['accepted socket']) return; // the second client's accepted end is not part of the lesson's picture
        atStep(() => {
          found['accepted socket'] = locate(
            'accepted socket',
            port,
            (row) => row.localPort === port && row.remotePort === socket.remotePort,
          );
        });
      },
      printed(line) {
        const opened = OPENED_LINE.exec(line);
        if (opened) atStep(() => files.push(openedFile(Number(opened[1]))));
      },
    }),
    LESSON_TIMEOUT_MS,
    `the lesson to run with ${fileCount} files and close everything`,
  );
  if (failure) throw failure;
  const { listener, client, 'accepted socket': accepted, 'second client': secondClient } = found;
  if (!listener || !client || !accepted || !secondClient || lowestFreeAfterClose === undefined)
    throw new Error(`the lesson did not make the four sockets of its picture (found: ${Object.keys(found)})`);
  if (files.length !== fileCount) throw new Error(`the lesson printed ${files.length} of its ${fileCount} files`);
  return {
    pid: process.pid,
    sockets: [listener, client, accepted, secondClient],
    files,
    reuse: { freedFd: files[0].fd, lowestFreeAfterClose, nextSocketFd: secondClient.fd },
  };
}

/** A file the lesson has just opened as `fd`: where it points, and the lowest number free just before. */
function openedFile(fd: number): DescriptorObservations['files'][number] {
  return {
    path: readlinkSync(`/proc/self/fd/${fd}`),
    lowestFreeBefore: lowestFreeDescriptor(fd),
    fd,
    isFile: fstatSync(fd).isFile(),
  };
}

/** The descriptor of this process that holds the socket with this inode. */
export function descriptorOfInode(inode: number): Descriptor | undefined {
  return readDescriptorTable().find((entry) => socketInodeOf(entry.target) === inode);
}

/**
 * The number the next open(), socket() or accept() will get: the lowest one not in use. With
 * `justOpened`, the lowest that was free before that number was handed out.
 */
export function lowestFreeDescriptor(justOpened?: number): number {
  const used = new Set(readDescriptorTable().map((entry) => entry.fd));
  if (justOpened !== undefined) used.delete(justOpened);
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
 * Finds one socket twice, now: by its row in /proc/net/tcp, then by the descriptor linking to its
 * inode. `port` is the listener's, which every row of the lesson has at one end or the other.
 */
function locate(role: SocketDescriptor['role'], port: number, matches: (row: SocketRow) => boolean): SocketDescriptor {
  const row = readTableNow('tcp', [port]).find(matches);
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

/** The files' descriptors, in the order they were opened: "5, 6, 7". */
const fdList = (files: DescriptorObservations['files']) => files.map((file) => file.fd).join(', ');

/** Predict, then run: `npm run exercise -- 07`. */
export const EXERCISE = defineExercise({
  knobs: KNOBS,
  observe: ({ FILES }) => observeDescriptors(FILES),
  questions: [
    {
      id: 'file-after-sockets',
      kind: 'choice',
      ask: {
        en: () => 'The process holds four sockets, then opens an ordinary file. Which descriptor does open() return?',
        ko: () => '프로세스가 소켓 네 개를 연 채 평범한 파일을 연다. open()은 어떤 디스크립터를 돌려주나?',
      },
      options: [
        [
          'lowest',
          {
            en: 'the lowest free number, from the same table the sockets took theirs from',
            ko: '소켓들이 번호를 받은 바로 그 테이블에서, 비어 있는 가장 작은 번호',
          },
        ],
        ['three', { en: '3: files are numbered apart from sockets', ko: '3: 파일은 소켓과 따로 번호를 매긴다' }],
      ],
      measure: ({ files: [first] }) =>
        first.fd === first.lowestFreeBefore ? 'lowest' : first.fd === 3 ? 'three' : String(first.fd),
      why: {
        en: () => 'a socket and a file are both open files of the process, numbered from one descriptor table',
        ko: () => '소켓도 파일도 프로세스가 연 파일이며, 디스크립터 테이블 하나에서 번호를 받는다',
      },
    },
    {
      id: 'files-span',
      kind: 'number',
      ask: {
        en: ({ FILES }) =>
          `${FILES} files are opened one after another. How far apart are the first file's descriptor and the ` +
          "last's?",
        ko: ({ FILES }) =>
          `파일 ${FILES}개를 차례로 연다. 첫 파일의 디스크립터와 마지막 파일의 디스크립터는 얼마나 차이 나나?`,
      },
      measure: ({ files }) => files[files.length - 1].fd - files[0].fd,
      why: {
        en: ({ files }) => `each open() takes the lowest free number, here ${fdList(files)}`,
        ko: ({ files }) => `open()은 매번 비어 있는 가장 작은 번호를 받는다. 여기서는 ${fdList(files)}`,
      },
    },
    {
      id: 'reuse',
      kind: 'choice',
      ask: {
        en: () => "The first file is closed, then a new socket is made. The socket's descriptor?",
        ko: () => '첫 파일을 닫고 새 소켓을 만든다. 그 소켓의 디스크립터는?',
      },
      options: [
        ['freed', { en: 'the number the file just freed', ko: '파일이 방금 비운 번호' }],
        ['higher', { en: 'a number higher than any used so far', ko: '지금까지 쓴 어떤 번호보다 큰 번호' }],
      ],
      measure: ({ reuse }) => (reuse.nextSocketFd === reuse.freedFd ? 'freed' : 'higher'),
      why: {
        en: ({ reuse }) => `close() freed ${reuse.freedFd}, the lowest free number, and socket() took it`,
        ko: ({ reuse }) => `close()가 ${reuse.freedFd}번을 비웠고, 그것이 비어 있는 가장 작은 번호라 socket()이 받았다`,
      },
    },
  ],
});

/** The command line, exported so tests can run it in-process. */
export const cli = defineScript({
  usage: `
Usage: npx tsx scripts/07-socket-descriptor.ts [--files N] [--json | --mermaid]

Runs the lesson: a listener on ${HOST}, a client and the socket accept() returns, all in this
process. Finds each socket twice, as it is made: by its row in /proc/net/tcp and by its
descriptor in /proc/self/fd, tied together by the socket's inode. The lesson then opens ordinary
files and closes the first of them, and the next socket takes that number: files and sockets
take their numbers from the same table, lowest free number first. Linux only.

--files N  open N ordinary files (1 to ${MAX_FILES}, default 1), then close the first`,
  flags: { files: { type: 'string', default: '1' } },
  demo: (values) => observeDescriptors(integerFlag(values, 'files', 1, MAX_FILES)),
  render: renderDescriptors,
  mermaid: mermaidDescriptors,
});

/** Runs the lab's command line: the lesson calls this when it runs as a program in the project. */
export const run = () => runScript(cli);

if (isMain(import.meta.url)) await run();
