/**
 * The lab of 12-many-clients: runs the lesson (scripts/12-many-clients.ts), whose server serves
 * CLIENTS connections from a clients' process of its own, and reads what the server's process
 * holds at the moment every connection is open: its epoll instance's interest list, its
 * descriptors against RLIMIT_NOFILE, its threads' CPU and its memory. Around the lesson, two more
 * steps: a reader that does not read, against the lesson's echo (which waits for 'drain') and one
 * that does not wait; and the lesson's echo in a child whose descriptor limit is lowered with
 * prlimit, to see EMFILE. `--serve` is the lesson's echo for real clients, and says when it
 * reaches its descriptor limit. Also --json, --mermaid and `npm run exercise -- 12`.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type AddressInfo, createConnection, createServer, type Server, type Socket } from 'node:net';
import { echo, main } from '../12-many-clients.ts';
import { type NodeChild, startNodeChild } from '../lib/child.ts';
import {
  defineKnobs,
  defineScript,
  type FlagValues,
  hostFlag,
  integerFlag,
  isMain,
  type Line,
  listeningLine,
  portFlag,
  runScript,
  thousands,
} from '../lib/cli.ts';
import { untilSignal } from '../lib/serve-lifetime.ts';
import { descriptorOf, readDescriptorTable } from '../lib/descriptors.ts';
import { watchLesson } from '../lib/lab.ts';
import { label } from '../lib/mermaid.ts';
import { descriptorLimit, threadCpu } from '../lib/proc-stat.ts';
import { defineExercise } from '../lib/questions.ts';
import { findTool } from '../lib/tools.ts';
import { onceWithin, untilTrue, within } from '../lib/wait.ts';

const HOST = '127.0.0.1';
export const DEFAULT_CLIENTS = 1000;
export const MAX_CLIENTS = 10_000;
export const DEFAULT_BYTES = 256;
export const MIN_BYTES = 16;
export const MAX_BYTES = 65_536;
export const KNOBS = defineKnobs({
  CLIENTS: { fallback: DEFAULT_CLIENTS, min: 1, max: MAX_CLIENTS },
  BYTES: { fallback: DEFAULT_BYTES, min: MIN_BYTES, max: MAX_BYTES },
});
/** The lesson's listener's backlog (its listen() call says 1024); --serve takes the same. */
const BACKLOG = 1024;
/** A step with thousands of connections on a busy 2-core machine takes seconds, never tens of them. */
const STEP_TIMEOUT_MS = 20_000;
/** The whole lesson: a child's start, 10,000 connections one after another, their echoes and closes. */
const LESSON_TIMEOUT_MS = 60_000;
/** The slow reader's step: this much is sent to a client that does not read at first. */
export const BACKPRESSURE_BYTES = 16 * 1024 * 1024;
/** The EMFILE step: the echo server's limit on descriptors, and how many clients come beyond it. */
export const LIMITED_TO = 48;
const BEYOND_LIMIT = 3;
const FREED = 2;

// --- Watching the lesson run ----------------------------------------------------------------

/** What the lab reads in the lesson's process at the moment the clients report, every connection open. */
interface WhileOpen {
  clientsPid: number;
  exact: number;
  echoMs: number;
  threads: ReturnType<typeof threadShares>;
  held: ReturnType<typeof descriptorsInUse> & { connections: number; rssGrowth: number };
}

/** Runs the lesson with CLIENTS clients of BYTES each, and reads the server's process while all are open. */
export async function observeManyClients(clientCount = DEFAULT_CLIENTS, messageBytes = DEFAULT_BYTES) {
  const rssBefore = process.memoryUsage().rss;
  let server: Server | undefined;
  let cpuBefore: ReturnType<typeof threadCpu> = [];
  const open = new Set<Socket>();
  const accepts: number[] = [];
  let whileOpen: WhileOpen | undefined;
  let clientsProcess: ChildProcess | undefined;
  await within(
    watchLesson(() => main(clientCount, messageBytes), {
      listening(listener) {
        server = listener;
        cpuBefore = threadCpu('self');
      },
      accepted(socket) {
        open.add(socket);
        accepts.push(performance.now());
        socket.on('close', () => open.delete(socket));
      },
      spawned(clients) {
        clientsProcess = clients;
        // Heard before the lesson's own listener: the clients hold every connection open until told.
        clients.once('message', ({ exact }: { exact: number }) => {
          whileOpen = {
            clientsPid: clients.pid ?? 0,
            exact,
            echoMs: performance.now() - (accepts.at(-1) ?? 0),
            threads: threadShares(cpuBefore, threadCpu('self')),
            held: {
              connections: open.size,
              ...descriptorsInUse(server!, open),
              rssGrowth: process.memoryUsage().rss - rssBefore,
            },
          };
        });
      },
    }),
    LESSON_TIMEOUT_MS,
    `the lesson to serve ${clientCount} clients and close everything`,
  ).catch((error: unknown) => {
    // A stuck lesson: end what it started, so that the failure is reported instead of waited on.
    clientsProcess?.kill('SIGKILL');
    for (const socket of open) socket.destroy();
    server?.close();
    throw error;
  });
  if (!whileOpen) throw new Error("the lesson ended without its clients' report");
  const { clientsPid, exact, echoMs, threads, held } = whileOpen;
  return {
    clientsPid,
    connectMs: (accepts.at(-1) ?? 0) - (accepts[0] ?? 0),
    echoed: { exact, of: clientCount, echoMs },
    threads,
    held,
    clientCount,
    messageBytes,
  };
}

/** The wrong echo, for the slow reader's step: it writes whatever comes and never stops reading. */
function carelessEcho(socket: Socket): void {
  socket.on('data', (chunk) => socket.write(chunk));
  socket.on('error', () => socket.destroy());
}

/**
 * The slow reader: one client sends BACKPRESSURE_BYTES and does not read until the server has
 * stopped reading (the lesson's echo, careful) or has taken everything (careless). Returns the
 * most the server's process held queued for that client at once, and whether every byte came back.
 */
export async function observeSlowReader(careful: boolean, bytes = BACKPRESSURE_BYTES) {
  let peakQueued = 0;
  let pauses = 0;
  let serverStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (serverStopped = resolve));
  const server = createServer((socket) => {
    (careful ? echo : carelessEcho)(socket);
    // After the echo's own 'data' listener: what its write() left queued, and whether it paused.
    socket.on('data', () => {
      peakQueued = Math.max(peakQueued, socket.writableLength);
      if (!socket.isPaused()) return;
      pauses++;
      serverStopped();
    });
  });
  server.listen(0, HOST);
  await onceWithin(server, 'listening', STEP_TIMEOUT_MS, 'the echo server to listen');
  const client = createConnection({ host: HOST, port: (server.address() as AddressInfo).port });
  try {
    await onceWithin(client, 'connect', STEP_TIMEOUT_MS, 'the slow reader to connect');
    client.pause();
    const sent = Buffer.alloc(bytes, 'backpressure ');
    const allWritten = new Promise<void>((resolve) => client.write(sent, () => resolve()));
    await within(Promise.race([allWritten, stopped]), STEP_TIMEOUT_MS, 'the server to stop reading or take it all');
    const received = createHash('sha256');
    let receivedBytes = 0;
    client.on('data', (chunk: Buffer) => {
      received.update(chunk);
      receivedBytes += chunk.length;
    });
    client.resume();
    client.end();
    await onceWithin(client, 'end', STEP_TIMEOUT_MS, 'every byte to come back');
    const sameBytes = received.digest('hex') === createHash('sha256').update(sent).digest('hex');
    // Both ends are Node sockets with the default, so the client's highWaterMark is the echo's too.
    return {
      careful,
      bytes,
      peakQueued,
      pauses,
      receivedBytes,
      sameBytes,
      highWaterMark: client.writableHighWaterMark,
    };
  } finally {
    client.destroy();
    await closeServer(server);
  }
}

// --- Instrumentation: threads, descriptors, epoll, the descriptor limit ----------------------

/** How many threads the process has, and the main thread's share of the CPU used between the two readings. */
function threadShares(before: ReturnType<typeof threadCpu>, after: ReturnType<typeof threadCpu>) {
  const earlier = new Map(before.map(({ tid, cpuNs }) => [tid, cpuNs]));
  const used = after.map(({ tid, cpuNs }) => ({ tid, ns: cpuNs - (earlier.get(tid) ?? 0) }));
  const total = used.reduce((sum, { ns }) => sum + ns, 0);
  const main = used.find(({ tid }) => tid === process.pid)?.ns ?? 0;
  return {
    count: after.length,
    mainName: after.find(({ tid }) => tid === process.pid)?.name ?? 'unknown',
    mainShare: total > 0 ? main / total : 0,
  };
}

/**
 * The process's descriptors while the connections are open: how many are sockets, and the epoll
 * instance whose interest list (/proc/self/fdinfo/EPFD, one "tfd:" line per watched descriptor)
 * holds the listener and every accepted socket. Node has several event loops (03 counts their
 * descriptors); the main one is the loop that watches our sockets.
 */
function descriptorsInUse(server: Server, open: ReadonlySet<Socket>) {
  const table = readDescriptorTable();
  const ours = new Set([descriptorOf(server), ...[...open].map(descriptorOf)]);
  const limit = descriptorLimit();
  const instances = table
    .filter(({ target }) => target === 'anon_inode:[eventpoll]')
    .map(({ fd }) => {
      const watched = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')
        .split('\n')
        .flatMap((line) => (/^tfd:\s+(\d+)/.exec(line) ? [Number(/^tfd:\s+(\d+)/.exec(line)![1])] : []));
      return { fd, watched: watched.length, ours: watched.filter((watchedFd) => ours.has(watchedFd)).length };
    })
    .sort((a, b) => b.ours - a.ours);
  return {
    // A number inherited above the limit takes no room below it, where new sockets are numbered.
    open: table.filter(({ fd }) => fd < limit).length,
    sockets: table.filter(({ fd }) => ours.has(fd)).length,
    otherSockets: table.filter(({ fd, target }) => target.startsWith('socket:') && !ours.has(fd)).length,
    limit,
    epoll: instances[0] ?? null,
    otherEpolls: instances.slice(1).map((instance) => instance.ours),
  };
}

function closeServer(server: Server): Promise<unknown> {
  return within(new Promise((resolve) => server.close(resolve)), STEP_TIMEOUT_MS, 'the server to close');
}

// --- EMFILE: the same echo server under a lowered descriptor limit ---------------------------

/** What the limited server's Node reported: connections open, 'connection' and server 'error' events so far. */
interface LimitedServerEvents {
  connections: number;
  accepted: number;
  serverErrors: number;
}

/**
 * The limited server's descriptors, read from outside (/proc/PID/fd, /proc/PID/limits): the numbers
 * in use below its limit, which new sockets compete for (one inherited above it takes none), and
 * libuv's spare, the descriptor above stdio naming /dev/null (as libuv first opens it) or / (as it
 * reopens it after giving it up for an accept).
 */
function tableOf(pid: number) {
  const limit = descriptorLimit(pid);
  const table = readDescriptorTable(pid).filter(({ fd }) => fd < limit);
  const spare = table.find(({ fd, target }) => fd > 2 && (target === '/dev/null' || target === '/'));
  return { open: table.length, limit, spare: spare ?? null };
}

/** What happened to one client: it heard its echo, or the server's side closed without answering. */
export type Fate = 'echoed' | 'reset' | 'closed unanswered';

/** Connects, sends one line and waits for the echo or the end; the socket stays open when echoed. */
export async function dial(port: number, text: string): Promise<{ socket: Socket; fate: Fate }> {
  const socket = createConnection({ host: HOST, port });
  const fate = new Promise<Fate>((resolve) => {
    socket.once('data', () => resolve('echoed'));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'ECONNRESET' ? 'reset' : 'closed unanswered'),
    );
    socket.once('end', () => resolve('closed unanswered'));
  });
  await onceWithin(socket, 'connect', STEP_TIMEOUT_MS, 'a client to connect');
  socket.write(text);
  return { socket, fate: await within(fate, STEP_TIMEOUT_MS, `the answer to "${text}"`) };
}

/**
 * Fills the limited server's descriptor table with clients, sends BEYOND_LIMIT more, then frees
 * FREED descriptors and connects once more. Undefined where prlimit is missing. `witness` is a
 * command that runs the server in turn (a test's strace).
 */
export async function observeDescriptorLimit(limit = LIMITED_TO, witness: readonly string[] = []) {
  const prlimit = await findTool('prlimit');
  if (!prlimit) return undefined;
  const server: NodeChild = await startNodeChild({
    module: new URL('../children/12-limited-server.ts', import.meta.url),
    prefix: [...witness, prlimit, `--nofile=${limit}:${limit}`, '--'],
  });
  const held: Socket[] = [];
  let pid = server.pid;
  const ask = async () => {
    server.send('state');
    const events = await server.next<LimitedServerEvents>(STEP_TIMEOUT_MS, "the server's events");
    return { ...events, ...tableOf(pid) };
  };
  try {
    const started = await server.next<{ listening: number; pid: number }>(STEP_TIMEOUT_MS, 'the server to listen');
    pid = started.pid;
    const port = started.listening;
    const start = await ask();
    const room = start.limit - start.open;
    for (let i = 1; i <= room; i++) {
      const { socket, fate } = await dial(port, `held ${i}\n`);
      held.push(socket);
      if (fate !== 'echoed') throw new Error(`client ${i} of ${room} was not served (${fate})`);
    }
    const atLimit = await ask();
    const beyond: Fate[] = [];
    for (let i = 1; i <= BEYOND_LIMIT; i++) {
      const { socket, fate } = await dial(port, `beyond ${i}\n`);
      socket.destroy();
      beyond.push(fate);
    }
    const afterShedding = await ask();
    const stillServed = await Promise.all(held.map((socket, i) => echoAgain(socket, `again ${i + 1}\n`)));
    for (const socket of held.splice(0, FREED)) socket.destroy();
    await untilTrue(async () => (await ask()).connections === room - FREED, STEP_TIMEOUT_MS, 'descriptors to be freed');
    const { socket: late, fate: lateFate } = await dial(port, 'after freeing\n');
    held.push(late);
    return {
      pid,
      limit: start.limit,
      openAtStart: start.open,
      spareAtStart: start.spare,
      room,
      atLimit,
      beyond,
      afterShedding,
      stillServed: stillServed.filter(Boolean).length,
      freed: FREED,
      lateFate,
    };
  } finally {
    for (const socket of held) socket.destroy();
    await server.stop();
  }
}

/**
 * Sends `text` on a client that was echoed before: true when the same text comes back, false at
 * once when the server ended the connection, before or instead.
 */
export async function echoAgain(socket: Socket, text: string): Promise<boolean> {
  if (socket.readableEnded || socket.destroyed) return false;
  const answer = new Promise<boolean>((resolve) => {
    socket.once('data', (chunk: Buffer) => resolve(chunk.toString() === text));
    socket.once('end', () => resolve(false));
    socket.once('error', () => resolve(false));
  });
  socket.write(text);
  return within(answer, STEP_TIMEOUT_MS, `the echo of "${text.trim()}"`);
}

// --- The whole demo, its rendering and its diagram -------------------------------------------

export async function observeAll(clientCount = DEFAULT_CLIENTS, messageBytes = DEFAULT_BYTES) {
  const many = await observeManyClients(clientCount, messageBytes);
  const slowReader = { careful: await observeSlowReader(true), careless: await observeSlowReader(false) };
  const descriptorLimit = await observeDescriptorLimit();
  return { pid: process.pid, ...many, slowReader, descriptorLimit };
}

export type ManyClientsObservations = Awaited<ReturnType<typeof observeAll>>;

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const kib = (bytes: number) => (bytes >= 1024 * 1024 ? mib(bytes) : `${Math.round(bytes / 1024)} KiB`);
const percent = (share: number) => `${Math.round(share * 100)}%`;

export function renderManyClients(seen: ManyClientsObservations): Line[] {
  const { held, echoed, threads, slowReader, descriptorLimit: limited } = seen;
  const n = thousands(seen.clientCount);
  const lines: Line[] = [
    ['server', `pid ${seen.pid} listens on ${HOST} (backlog ${BACKLOG}); its JavaScript runs on one thread`],
    [
      'clients',
      `pid ${seen.clientsPid}, a process of their own: ${n} connections made at once, accepted within ` +
        `${Math.round(seen.connectMs)} ms and all kept open`,
    ],
    [
      'clients',
      `each sent ${seen.messageBytes} bytes and heard them back byte for byte: ${thousands(echoed.exact)} of ` +
        `${thousands(echoed.of)}, ${Math.round(echoed.echoMs)} ms after the last accept`,
    ],
  ];
  if (held.epoll) {
    lines.push([
      'kernel',
      `epoll fd ${held.epoll.fd} watches ${thousands(held.epoll.watched)} descriptors, among them the listener ` +
        `and all ${thousands(held.epoll.ours - 1)} accepted sockets; ` +
        `Node's ${held.otherEpolls.length} other epoll instances ` +
        `watch ${held.otherEpolls.reduce((sum, value) => sum + value, 0)} of them`,
    ]);
  }
  lines.push(
    [
      'server',
      `${percent(threads.mainShare)} of the CPU this process used to accept and echo them was on its main thread ` +
        `(${threads.mainName}), one of its ${threads.count} threads`,
    ],
    [
      'server',
      `${thousands(held.sockets)} TCP sockets (the listener and one per client) and ${held.otherSockets} of ` +
        `Node's own (the IPC channel to the clients among them) in ${thousands(held.open)} open descriptors; ` +
        `its limit (RLIMIT_NOFILE) is ${thousands(held.limit)}: ` +
        `room for ${thousands(held.limit - held.open)} more connections`,
    ],
    [
      'server',
      `memory: RSS grew by ${mib(held.rssGrowth)} for ${n} connections, about ` +
        `${kib(held.rssGrowth / held.connections)} each`,
    ],
  );
  for (const run of [slowReader.careful, slowReader.careless]) {
    const how = run.careful ? 'waits for drain' : 'ignores write() = false';
    lines.push([
      'slow',
      `${mib(run.bytes)} to a client that does not read at first; an echo that ${how}: at most ` +
        `${kib(run.peakQueued)} queued in the process (highWaterMark ${kib(run.highWaterMark)})` +
        `${run.careful ? `, reading paused ${run.pauses} time(s)` : ''}; ` +
        `${run.sameBytes ? 'every byte came back' : 'the bytes that came back differ'}`,
    ]);
  }
  if (!limited) {
    lines.push(['emfile', 'prlimit is not installed (util-linux): the descriptor limit step is skipped']);
    return lines;
  }
  const spare = (state: { spare: { fd: number; target: string } | null }) =>
    state.spare ? `fd ${state.spare.fd} -> ${state.spare.target}` : 'none';
  const fates = limited.beyond.join(', ');
  lines.push(
    [
      'emfile',
      `a server under prlimit --nofile=${limited.limit}: pid ${limited.pid}, ${limited.openAtStart} descriptors ` +
        `open at start, libuv's spare among them (${spare({ spare: limited.spareAtStart })})`,
    ],
    [
      'emfile',
      `${limited.room} clients fill its table: ${limited.atLimit.open} of ${limited.atLimit.limit} open; the next ` +
        'accept4() fails with EMFILE',
    ],
    [
      'emfile',
      `${limited.beyond.length} clients beyond it: ${fates}. libuv closed its spare, accepted each and closed it at ` +
        `once; Node emitted ${limited.afterShedding.accepted - limited.atLimit.accepted} 'connection' and ` +
        `${limited.afterShedding.serverErrors} 'error' events for them`,
    ],
    ['emfile', `the spare is open again: ${spare(limited.afterShedding)}`],
    ['emfile', `the ${limited.stillServed} clients it holds are still echoed`],
    ['emfile', `${limited.freed} of them close, freeing descriptors: the next client is ${limited.lateFate}`],
  );
  return lines;
}

/** The clients' process, the server's one thread with its epoll instance, and the sockets between them. */
export function mermaidManyClients(seen: ManyClientsObservations): string[] {
  const { held } = seen;
  const epoll = held.epoll
    ? `epoll fd ${held.epoll.fd}: ${thousands(held.epoll.watched)} descriptors watched`
    : 'epoll';
  return [
    'flowchart LR',
    `    subgraph clients["clients: pid ${seen.clientsPid}"]`,
    `      C[${label(`${thousands(seen.clientCount)} client sockets`)}]`,
    '    end',
    `    subgraph server["server: pid ${seen.pid}, its JavaScript on one thread"]`,
    `      L[${label(`listener ${HOST}, backlog ${BACKLOG}`)}]`,
    `      A[${label(`${thousands(held.connections)} accepted sockets, one per client`)}]`,
    `      E[${label(epoll)}]`,
    `      T[${label(`main thread ${seen.threads.mainName}: ${percent(seen.threads.mainShare)} of the CPU`)}]`,
    '    end',
    `    C -- ${label(`${thousands(seen.clientCount)} handshakes`)} --> L`,
    `    L -- ${label("accept4(), one per 'connection'")} --> A`,
    `    C <-- ${label(`${seen.messageBytes} bytes each way, ${thousands(seen.echoed.exact)} exact`)} --> A`,
    '    A -. "ready" .-> E',
    '    L -. "ready" .-> E',
    '    E -- "epoll_pwait() returns" --> T',
  ];
}

// --- --serve: an echo server for real clients that says when it reaches its limit ------------

async function serveEcho(values: FlagValues): Promise<void> {
  const host = hostFlag(values);
  const port = values.port === undefined ? 0 : portFlag(values);
  const open = new Set<Socket>();
  const limit = descriptorLimit();
  let baseline = 0;
  let atLimit = false;
  const server = createServer((socket) => {
    open.add(socket);
    // Counting from the table once and then per connection keeps a check per accept cheap at 10,000 clients.
    if (!atLimit && baseline + open.size >= limit) {
      atLimit = true;
      console.log(
        `server: ${limit} of ${limit} descriptors open: the next accept4() fails with EMFILE, and libuv accepts ` +
          'and closes each new connection with its spare descriptor until one closes',
      );
    }
    socket.on('close', () => {
      open.delete(socket);
      if (atLimit && baseline + open.size < limit) {
        atLimit = false;
        console.log(`server: a descriptor is free again (${open.size} connections): new clients are served`);
      }
    });
    echo(socket);
  });
  server.listen({ host, port, backlog: BACKLOG });
  await onceWithin(server, 'listening', STEP_TIMEOUT_MS, `listening on ${host}:${port}`);
  // Only numbers below the limit count: one inherited above it takes no room where new sockets are numbered.
  baseline = readDescriptorTable().filter(({ fd }) => fd < limit).length;
  const bound = server.address() as AddressInfo;
  await untilSignal(listeningLine('tcp', bound.address, bound.port, `echo; descriptor limit ${limit}`), async () => {
    for (const socket of open) socket.destroy();
    await closeServer(server);
  });
}

/** Predict, then run: `npm run exercise -- 12`. */
export const EXERCISE = defineExercise({
  knobs: KNOBS,
  observe: ({ CLIENTS, BYTES }) => observeAll(CLIENTS, BYTES),
  questions: [
    {
      id: 'epoll-instances',
      kind: 'number',
      ask: {
        en: ({ CLIENTS }) =>
          `${CLIENTS} clients are connected at once. How many of the server's epoll instances watch its sockets?`,
        ko: ({ CLIENTS }) =>
          `클라이언트 ${CLIENTS}개가 동시에 연결되어 있다. 서버의 epoll 인스턴스 가운데 그 소켓들을 지켜보는 것은 ` +
          '몇 개인가?',
      },
      measure: (seen) =>
        seen.held.epoll
          ? [seen.held.epoll.ours, ...seen.held.otherEpolls].filter((ours) => ours > 0).length
          : {
              unmeasured: {
                en: 'no epoll instance found in /proc/self/fdinfo',
                ko: '/proc/self/fdinfo에서 epoll 인스턴스를 찾지 못했다',
              },
            },
      why: {
        en: () => "one: the main event loop's; the kernel tells it which sockets are ready, and one thread serves them",
        ko: () =>
          '하나, 메인 이벤트 루프의 것이다. 어느 소켓이 준비되었는지 커널이 알려 주고, 스레드 하나가 그 소켓들을 ' +
          '모두 처리한다',
      },
    },
    {
      id: 'socket-descriptors',
      kind: 'number',
      ask: {
        en: ({ CLIENTS }) =>
          `How many socket descriptors does the server hold for its ${CLIENTS} clients and its listener?`,
        ko: ({ CLIENTS }) => `서버가 클라이언트 ${CLIENTS}개와 리스너를 위해 연 소켓 디스크립터는 몇 개인가?`,
      },
      measure: (seen) => seen.held.sockets,
      why: {
        en: ({ clientCount }) =>
          `one per accepted client and one for the listener: ${clientCount} + 1; the clients' own are in their ` +
          'process',
        ko: ({ clientCount }) =>
          `accept한 클라이언트마다 하나, 리스너에 하나: ${clientCount} + 1. 클라이언트 쪽 디스크립터는 ` +
          '클라이언트 프로세스에 있다',
      },
    },
    {
      id: 'shed-client',
      kind: 'choice',
      ask: {
        en: () =>
          "The server's descriptor table is full and a client connects and sends a line. What does the client see?",
        ko: () =>
          '서버의 디스크립터 테이블이 가득 찬 상태에서 클라이언트가 연결해 한 줄을 보낸다. 클라이언트는 무엇을 ' +
          '겪나?',
      },
      options: [
        ['refused', { en: 'ECONNREFUSED: its connect() fails', ko: 'ECONNREFUSED: connect()가 실패한다' }],
        [
          'waits',
          { en: 'its connect() hangs until descriptors are free', ko: '디스크립터가 빌 때까지 connect()가 멈춰 있다' },
        ],
        [
          'shed',
          {
            en: 'it connects, then the connection is closed or reset without an answer',
            ko: '연결은 되지만, 답 없이 연결이 닫히거나 리셋된다',
          },
        ],
        ['served', { en: 'it is answered as usual', ko: '평소처럼 답을 받는다' }],
      ],
      measure: (seen) => {
        const first = seen.descriptorLimit?.beyond[0];
        if (!first)
          return {
            unmeasured: {
              en: 'the descriptor limit step needs prlimit',
              ko: '디스크립터 한도 단계에는 prlimit이 필요하다',
            },
          };
        return first === 'echoed' ? 'served' : 'shed';
      },
      why: {
        en: () =>
          'the kernel completes the handshake before any accept(); accept4() then fails with EMFILE, and libuv ' +
          'frees its spare descriptor, accepts the connection and closes it at once',
        ko: () =>
          '커널은 accept() 전에 핸드셰이크를 끝낸다. 그다음 accept4()가 EMFILE로 실패하면, libuv는 남겨 둔 여분 ' +
          '디스크립터를 풀어 그 연결을 accept하고 곧바로 닫는다',
      },
    },
  ],
});

function demoFromFlags(values: FlagValues): Promise<ManyClientsObservations> {
  return observeAll(integerFlag(values, 'clients', 1, MAX_CLIENTS), integerFlag(values, 'bytes', MIN_BYTES, MAX_BYTES));
}

export const cli = defineScript({
  usage: `
Usage: npx tsx scripts/12-many-clients.ts [--clients N] [--bytes N] [--json | --mermaid]
       npx tsx scripts/12-many-clients.ts --serve [--host ${HOST}] [--port 0]

One process serves N concurrent connections (default ${thousands(DEFAULT_CLIENTS)}, at most
${thousands(MAX_CLIENTS)}) from a client process, each echoing its message byte for byte, on one
thread: epoll, descriptors, memory per connection and the descriptor limit. Then a client that
does not read, against an echo that waits for 'drain' and one that does not; then EMFILE under
prlimit.

--clients N   concurrent connections
--bytes N     bytes each client sends and hears back (default ${DEFAULT_BYTES}, ${MIN_BYTES} to ${MAX_BYTES})
--serve       be the echo server for real clients until Ctrl-C; it says when it runs out of
              descriptors`,
  flags: {
    clients: { type: 'string', default: String(DEFAULT_CLIENTS) },
    bytes: { type: 'string', default: String(DEFAULT_BYTES) },
  },
  demo: demoFromFlags,
  render: renderManyClients,
  mermaid: mermaidManyClients,
  serve: serveEcho,
});

/** Runs the lab's command line: the lesson calls this when it runs as a program in the project. */
export const run = () => runScript(cli);

if (isMain(import.meta.url)) await run();
