/**
 * The lab of 06-read-write: runs the lesson (scripts/06-read-write.ts) and shows what the kernel
 * made of each step: the bytes its paused reader's receive queue held (rx_queue), the 'data'
 * chunks the writes came back as and what a naive reader and a length-prefix framer make of
 * them, the states after end() (FIN_WAIT2 and CLOSE_WAIT), and the reset. Also --json,
 * --mermaid and the questions of `npm run exercise -- 06`.
 *
 * Two steps of the lesson wait on the kernel, which has no event to wait on: the reader's
 * resume() must come once every byte is queued, and the answer after the FIN once the client's
 * kernel shows FIN_WAIT2. The lab holds the lesson's own call at those two steps until
 * /proc/net/tcp shows the state, then lets it through, so each run is exact. What the lesson
 * leaves out to stay short (writes after the peer reset or closed, EPIPE, and Node's default
 * allowHalfOpen: false) the lab shows on connections of its own, after the lesson's run.
 */
import { createConnection, createServer, type AddressInfo, type Server, type ServerOpts, type Socket } from 'node:net';
import { main } from '../06-read-write.ts';
import { defineScript, integerFlag, isMain, runScript, type FlagValues, type Line, defineKnobs } from '../lib/cli.ts';
import { READ_SIZE_BYTES } from '../lib/libuv.ts';
import { watchLesson } from '../lib/lab.ts';
import { hasProcNet, readTable, type SocketRow } from '../lib/proc-net.ts';
import { text } from '../lib/mermaid.ts';
import { defineExercise, same, UNITS } from '../lib/questions.ts';
import { onceWithin, stretchedByLoad, untilTrue, within } from '../lib/wait.ts';

const HOST = '127.0.0.1';
/** A bound on each step's event, longer on a loaded machine (taken when the lab loads). */
const STEP_TIMEOUT_MS = stretchedByLoad(2000);
/** The lesson ends in well under a second on loopback; the bound only keeps a broken one from hanging. */
const LESSON_TIMEOUT_MS = 30_000;
export const DEFAULT_MESSAGES = 5;
/** Kept small enough that all the messages fit in one 64 KiB read (see READ_SIZE_BYTES). */
export const MAX_MESSAGES = 1000;
export const DEFAULT_LARGE_BYTES = 1024 * 1024;
export const MAX_LARGE_BYTES = 64 * 1024 * 1024;
/**
 * The exercise's knobs: MESSAGES and LARGE_BYTES are --messages and --large-bytes; SEED and
 * RANDOM_MESSAGES drive the framer's property test (a fresh seed each run unless one is given).
 */
export const KNOBS = defineKnobs({
  MESSAGES: { fallback: DEFAULT_MESSAGES, min: 1, max: MAX_MESSAGES },
  LARGE_BYTES: { fallback: DEFAULT_LARGE_BYTES, min: READ_SIZE_BYTES + 1, max: MAX_LARGE_BYTES },
  SEED: { fallback: Math.floor(Math.random() * 2 ** 32), min: 0, max: 2 ** 32 - 1 },
  RANDOM_MESSAGES: { fallback: 500, min: 1, max: 100_000 },
});

// ---- Watching the lesson run -----------------------------------------------------------------

/** Runs the lesson, then the lab's own connections for what the lesson leaves out. */
export async function observeByteStream({
  messages = DEFAULT_MESSAGES,
  largeBytes = DEFAULT_LARGE_BYTES,
  whileQueued,
}: ByteStreamOptions = {}): Promise<ByteStreamObservations> {
  const run = await watchRun(messages, largeBytes, whileQueued);
  const { coalesce, split, clientSaid } = cutIntoSteps(run);
  return {
    coalesce,
    split,
    halfClose: { ...run.halfClose, clientSaid, defaultPeerAnswered: await observeDefaultHalfClose() },
    peerGone: { readerAfterReset: run.readerAfterReset, ...(await observeWritesToAPeerGone()) },
  };
}

/** What the lab saw of the lesson's one connection, before it is cut into the lesson's steps. */
interface LessonRun {
  /** Every write() the lesson made on its client socket, in order (end()'s last bytes are not one). */
  clientWrites: Buffer[];
  /** How many of those came before the server's resume(). */
  writesBeforeResume: number;
  /** Every 'data' chunk the server's end read, in order. */
  serverChunks: Buffer[];
  queuedBeforeResume: number | null;
  halfClose: Omit<HalfCloseObservations, 'clientSaid' | 'defaultPeerAnswered'>;
  readerAfterReset: string;
}

/** Runs the lesson's main() and records its connection, holding its two kernel-paced steps. */
async function watchRun(messages: number, largeBytes: number, whileQueued?: QueuedHook): Promise<LessonRun> {
  const run: LessonRun = {
    clientWrites: [],
    writesBeforeResume: 0,
    serverChunks: [],
    queuedBeforeResume: null,
    halfClose: { clientStateAfterEnd: null, serverStateAfterEnd: null, clientWritableAfterEnd: true, clientHeard: '' },
    readerAfterReset: 'no error',
  };
  let listener: Server | undefined;
  let client: Socket | undefined;
  let accepted: Socket | undefined;
  let held: unknown;
  // A hold whose state never came ends the connection with the reason, so the lesson fails with it.
  const abandon = (reason: unknown) => {
    held ??= reason;
    client?.destroy(reason as Error);
    accepted?.destroy(reason as Error);
  };
  const rows = () => {
    if (!listener || !client) throw new Error('the lesson has no connection yet');
    const serverPort = (listener.address() as AddressInfo).port;
    return { server: rowOf(serverPort, client.localPort!), client: rowOf(client.localPort!, serverPort) };
  };

  try {
    await within(
      watchLesson(() => main(messages, largeBytes), {
        listening(server) {
          listener = server;
        },
        connecting(socket) {
          client = socket;
          // Node's connect() puts its own write() back on the socket, so the record starts at 'connect'.
          socket.once('connect', () => recordWrites(socket, run.clientWrites));
          socket.on('data', (chunk) => (run.halfClose.clientHeard += String(chunk)));
          socket.on('error', (error) => (run.readerAfterReset = errorCode(error)));
        },
        accepted(socket) {
          accepted = socket;
          socket.on('data', (chunk: Buffer) => run.serverChunks.push(chunk));
          holdNextCall(socket, 'resume', abandon, async () => {
            // Every byte written so far must wait in the receive queue: then one read() takes them all.
            run.writesBeforeResume = run.clientWrites.length;
            const queued = Buffer.concat(run.clientWrites).length;
            if (hasProcNet) {
              await untilTrue(
                async () => (await rows().server)?.rxQueue === queued,
                STEP_TIMEOUT_MS,
                `all ${queued} bytes to reach the reader's receive queue`,
              );
              run.queuedBeforeResume = (await rows().server)?.rxQueue ?? null;
            }
            await whileQueued?.(client!.localPort!);
          });
          // The server's first write is its answer after the client's FIN: the half-closed pair shows first.
          holdNextCall(socket, 'write', abandon, async () => {
            if (hasProcNet) {
              await untilTrue(
                async () => (await rows().client)?.state === 'FIN_WAIT2',
                STEP_TIMEOUT_MS,
                'the client to reach FIN_WAIT2',
              );
              run.halfClose.clientStateAfterEnd = (await rows().client)?.state ?? null;
              run.halfClose.serverStateAfterEnd = (await rows().server)?.state ?? null;
            }
            run.halfClose.clientWritableAfterEnd = client!.writable;
          });
        },
      }),
      LESSON_TIMEOUT_MS,
      `the lesson to run with ${messages} messages and ${largeBytes} bytes and close everything`,
    );
  } catch (error) {
    if (listener?.listening) listener.close();
    throw held ?? error;
  }
  return run;
}

/** Keeps a copy of everything the lesson writes on `socket` (its own bytes, not a view), then writes it as asked. */
function recordWrites(socket: Socket, writes: Buffer[]): void {
  const write = socket.write;
  socket.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    writes.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.copyBytesFrom(chunk));
    return Reflect.apply(write, socket, [chunk, ...rest]);
  }) as Socket['write'];
}

/**
 * The lab's breakpoint: the next call of `socket[method]` waits for `before()`, then goes on as the
 * lesson made it. The lesson does not use what these calls return; `failed` hears a hold that failed.
 */
function holdNextCall(
  socket: Socket,
  method: 'resume' | 'write',
  failed: (reason: unknown) => void,
  before: () => Promise<void>,
): void {
  const original = socket[method] as (...args: unknown[]) => unknown;
  Object.defineProperty(socket, method, {
    configurable: true,
    writable: true,
    value(...args: unknown[]) {
      Reflect.deleteProperty(socket, method); // later calls go straight to Node's own method
      before().then(() => Reflect.apply(original, socket, args), failed);
      return method === 'write' ? true : socket;
    },
  });
}

/** Cuts the server's chunks at the lesson's steps: the small writes, the large one, then end()'s last bytes. */
function cutIntoSteps(run: LessonRun): Pick<ByteStreamObservations, 'coalesce' | 'split'> & { clientSaid: string } {
  const small = run.clientWrites.slice(0, run.writesBeforeResume);
  const afterResume = run.clientWrites.slice(run.writesBeforeResume);
  if (small.length === 0) throw new Error('the lesson wrote nothing before its reader resumed');
  if (afterResume.length !== 1)
    throw new Error(`the lesson made ${afterResume.length} writes after resume(); step 2 is one large write`);
  const [large] = afterResume;
  const chunks = [...run.serverChunks];
  const smallChunks = takeChunks(chunks, Buffer.concat(small).length, 'step 1');
  const largeChunks = takeChunks(chunks, large.length, 'step 2');
  return {
    coalesce: {
      writes: small.length,
      bytesWritten: Buffer.concat(small).length,
      queuedBeforeResume: run.queuedBeforeResume,
      chunkSizes: smallChunks.map((chunk) => chunk.length),
      ...verdict(smallChunks, small),
    },
    split: {
      writes: 1,
      bytesWritten: large.length,
      chunks: largeChunks.length,
      largestChunk: Math.max(...largeChunks.map((chunk) => chunk.length)),
      ...verdict(largeChunks, [large]),
    },
    clientSaid: Buffer.concat(chunks).toString(),
  };
}

/** Takes chunks off the front until they hold exactly `bytes` bytes; one that runs past mixed two steps. */
function takeChunks(chunks: Buffer[], bytes: number, step: string): Buffer[] {
  const taken: Buffer[] = [];
  let total = 0;
  while (total < bytes) {
    const chunk = chunks.shift();
    if (!chunk) throw new Error(`${step}: only ${total} of its ${bytes} bytes were read`);
    taken.push(chunk);
    total += chunk.length;
  }
  if (total > bytes) throw new Error(`${step}: a read() took ${total - bytes} bytes of the next step too`);
  return taken;
}

/** How a naive reader and the framer read the chunks; each write was one framed message. */
function verdict(chunks: Buffer[], writes: Buffer[]): ReaderVerdict {
  const deframe = createDeframer();
  const recovered = chunks.flatMap((chunk) => deframe(chunk));
  return {
    naiveMessages: chunks.length,
    framedMessages: recovered.length,
    framedExact:
      recovered.length === writes.length && recovered.every((message, i) => frame(message).equals(writes[i])),
  };
}

// ---- Framing: the protocol's job, because TCP keeps no boundaries -------------------------

/** Every message travels as a 4-byte big-endian length, then that many bytes. */
export const LENGTH_PREFIX_BYTES = 4;
/** A peer could announce any length up to 4 GiB; refuse the absurd before buffering for it. */
const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

/** One message as it goes on the wire: its length, then its bytes. */
export function frame(message: Buffer): Buffer {
  const header = Buffer.alloc(LENGTH_PREFIX_BYTES);
  header.writeUInt32BE(message.length);
  return Buffer.concat([header, message]);
}

/**
 * Returns a reader that takes the stream's chunks as they come (cut anywhere) and gives back the
 * messages they complete, exactly as sent. Bytes are copied only when a piece spans chunks.
 */
export function createDeframer(maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES): (chunk: Buffer) => Buffer[] {
  let parts: Buffer[] = [];
  let buffered = 0;
  let bodyLength: number | undefined; // known once the current message's header is complete

  /** Removes the first `count` buffered bytes and returns them as one buffer. */
  const take = (count: number): Buffer => {
    const flat = parts.length === 1 ? parts[0] : Buffer.concat(parts, buffered);
    parts = flat.length > count ? [flat.subarray(count)] : [];
    buffered -= count;
    return flat.subarray(0, count);
  };

  return (chunk) => {
    parts.push(chunk);
    buffered += chunk.length;
    const messages: Buffer[] = [];
    for (;;) {
      if (bodyLength === undefined) {
        if (buffered < LENGTH_PREFIX_BYTES) break;
        bodyLength = take(LENGTH_PREFIX_BYTES).readUInt32BE(0);
        if (bodyLength > maxMessageBytes)
          throw new RangeError(`the peer announced a message of ${bodyLength} bytes; the limit is ${maxMessageBytes}`);
      }
      if (buffered < bodyLength) break;
      messages.push(take(bodyLength));
      bodyLength = undefined;
    }
    return messages;
  };
}

// ---- Beyond the lesson: the lab's own connections ---------------------------------------

/** The same FIN to a server with Node's default, allowHalfOpen: false. Its code never calls end(). */
async function observeDefaultHalfClose(): Promise<string> {
  const closing = await connect();
  try {
    let heard = '';
    closing.client.setEncoding('utf8').on('data', (text: string) => (heard += text));
    const peerEnded = onceWithin(closing.client, 'end', STEP_TIMEOUT_MS, "Node's automatic FIN from the server");
    closing.server.resume();
    closing.client.end();
    await peerEnded;
    return heard;
  } finally {
    await closing.close();
  }
}

/** Writes on a socket that never reads, once its peer has reset, and once its peer has closed. */
async function observeWritesToAPeerGone(): Promise<Omit<PeerGoneObservations, 'readerAfterReset'>> {
  // A paused socket (never reading, so only write() can learn of it) whose peer resets.
  const reset = await connect({ pauseOnConnect: true });
  let writeAfterReset: string;
  try {
    reset.client.resetAndDestroy();
    if (hasProcNet)
      await untilRow('the RST to close the server end', async () => (await reset.serverRow()) === undefined);
    writeAfterReset = await failedWrite(reset.server, 'anyone there?');
  } finally {
    await reset.close();
  }

  // A paused socket whose peer closed normally (FIN). Its first write still goes out.
  const closed = await connect({ pauseOnConnect: true });
  try {
    closed.client.destroy();
    if (hasProcNet)
      await untilRow("the client's FIN to arrive", async () => (await closed.serverRow())?.state === 'CLOSE_WAIT');
    const firstWriteAfterClose = await failedWrite(closed.server, 'first reply');
    if (hasProcNet)
      await untilRow("the peer's RST to close the server end", async () => (await closed.serverRow()) === undefined);
    const secondWriteAfterClose = await failedWrite(closed.server, 'second reply');
    return { writeAfterReset, firstWriteAfterClose, secondWriteAfterClose };
  } finally {
    await closed.close();
  }
}

interface Connection {
  client: Socket;
  /** The socket accept() made on the server's side. */
  server: Socket;
  /** This connection's row in /proc/net/tcp for the server's end (undefined once the kernel dropped it). */
  serverRow(): Promise<SocketRow | undefined>;
  close(): Promise<void>;
}

/** Listens on port 0, connects one client and returns both ends. */
async function connect(serverOptions: ServerOpts = {}): Promise<Connection> {
  const listener: Server = createServer(serverOptions);
  listener.listen(0, HOST);
  await onceWithin(listener, 'listening', STEP_TIMEOUT_MS, 'the server to listen');
  const { port } = listener.address() as AddressInfo;
  const accepted = onceWithin(listener, 'connection', STEP_TIMEOUT_MS, 'accept()');
  const client = createConnection({ host: HOST, port });
  let server: Socket;
  try {
    const connected = onceWithin(client, 'connect', STEP_TIMEOUT_MS, 'the client to connect');
    [, [server]] = (await Promise.all([connected, accepted])) as [unknown[], [Socket]];
  } catch (error) {
    // A step failed: close what is open, so the error is all that remains.
    client.destroy();
    listener.close();
    throw error;
  }
  const clientPort = client.localPort!;
  return {
    client,
    server,
    serverRow: () => rowOf(port, clientPort),
    async close() {
      client.destroy();
      server.destroy();
      await within(new Promise((resolve) => listener.close(resolve)), STEP_TIMEOUT_MS, 'the listener to close');
    },
  };
}

/** A connection's row in /proc/net/tcp, seen from the end at `localPort`. */
async function rowOf(localPort: number, remotePort: number): Promise<SocketRow | undefined> {
  return (await readTable('tcp', [localPort])).find(
    (row) => row.localPort === localPort && row.remotePort === remotePort,
  );
}

/** Polls the kernel's table until `probe` holds; there is no event for kernel state. */
function untilRow(what: string, probe: () => Promise<boolean>): Promise<void> {
  return untilTrue(probe, STEP_TIMEOUT_MS, what);
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException).code ?? String(error);

/** The error a write on `socket` ends with, or 'written' when the kernel took the bytes. */
async function failedWrite(socket: Socket, data: string): Promise<string> {
  socket.on('error', () => {}); // the write's callback reports it; the 'error' event says it again
  return new Promise((resolve) => socket.write(data, (error) => resolve(error ? errorCode(error) : 'written')));
}

// ---- What the steps observe ----------------------------------------------------------------

export interface ReaderVerdict {
  /** How many messages a reader that takes each `data` chunk as one message believes it got. */
  naiveMessages: number;
  /** How many the length-prefix framer got back, and whether each is byte for byte what was sent. */
  framedMessages: number;
  framedExact: boolean;
}

export interface CoalesceObservations extends ReaderVerdict {
  writes: number;
  bytesWritten: number;
  /** Bytes the kernel held for the paused reader (rx_queue in /proc/net/tcp) just before it resumed; null off Linux. */
  queuedBeforeResume: number | null;
  chunkSizes: number[];
}

export interface SplitObservations extends ReaderVerdict {
  writes: 1;
  bytesWritten: number;
  chunks: number;
  largestChunk: number;
}

export interface HalfCloseObservations {
  /** The last bytes the client wrote with end(), as the server read them before its 'end'. */
  clientSaid: string;
  /** Kernel states right after the client's end(), while the server had not answered yet. */
  clientStateAfterEnd: string | null;
  serverStateAfterEnd: string | null;
  clientWritableAfterEnd: boolean;
  /** What the client read after its own FIN: the server's answer. */
  clientHeard: string;
  /**
   * On the lab's own connection: with Node's default allowHalfOpen: false, the peer's FIN came
   * back unasked and with no bytes.
   */
  defaultPeerAnswered: string;
}

export interface PeerGoneObservations {
  /** The error a reading socket (the lesson's client) gets when its peer resets the connection. */
  readerAfterReset: string;
  /** On the lab's own connections from here: a write on a connection the peer reset. */
  writeAfterReset: string;
  /** The first write after the peer closed normally (FIN): the kernel takes it, the peer's kernel answers RST. */
  firstWriteAfterClose: string;
  /** The next write, once that RST has arrived. */
  secondWriteAfterClose: string;
}

export interface ByteStreamObservations {
  coalesce: CoalesceObservations;
  split: SplitObservations;
  halfClose: HalfCloseObservations;
  peerGone: PeerGoneObservations;
}

/** Runs while step 1's bytes wait in the paused reader's queue (a test's outside tools look then). */
export type QueuedHook = (clientPort: number) => Promise<void>;

export interface ByteStreamOptions {
  messages?: number;
  largeBytes?: number;
  whileQueued?: QueuedHook;
}

// ---- Output ------------------------------------------------------------------------------

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

function readerLines(seen: ReaderVerdict, sent: number): Line[] {
  return [
    [
      'naive',
      `takes each chunk as one message: ${plural(seen.naiveMessages, 'message')} (${sent} sent) — ` +
        `${seen.naiveMessages === sent ? 'right this time, by luck' : 'wrong'}`,
    ],
    [
      'framer',
      `reads the 4-byte length prefix: ${plural(seen.framedMessages, 'message')}, ` +
        `${seen.framedExact ? 'each byte for byte as sent' : 'NOT as sent'}`,
    ],
  ];
}

export function renderByteStream(seen: ByteStreamObservations): Line[] {
  const { coalesce, split, halfClose, peerGone } = seen;
  const unseen = 'not visible off Linux';
  return [
    ['step 1', `${coalesce.writes} small writes while the reader is paused`],
    [
      'client',
      `wrote ${plural(coalesce.writes, 'message')}, ${coalesce.bytesWritten} bytes in all, one write() each ` +
        `(TCP_NODELAY)`,
    ],
    [
      'kernel',
      coalesce.queuedBeforeResume === null
        ? `reader's rx_queue: ${unseen}`
        : `the reader's rx_queue holds ${coalesce.queuedBeforeResume} bytes; now it resumes`,
    ],
    ['server', `got ${plural(coalesce.chunkSizes.length, 'data chunk')}: ${coalesce.chunkSizes.join(' + ')} bytes`],
    ...readerLines(coalesce, coalesce.writes),
    ['step 2', 'one large write'],
    [
      'client',
      `wrote 1 message of ${split.bytesWritten - LENGTH_PREFIX_BYTES} bytes (${split.bytesWritten} with its ` +
        `prefix) in one write()`,
    ],
    ['server', `got it in ${plural(split.chunks, 'data chunk')}, the largest ${split.largestChunk} bytes`],
    ...readerLines(split, 1),
    ['step 3', 'half-close: end() sends FIN, the other direction stays open'],
    ['client', `wrote "${halfClose.clientSaid}" and called end()`],
    [
      'server',
      `saw 'end' (the FIN); the client's socket is ${halfClose.clientWritableAfterEnd ? 'still' : 'no longer'} ` +
        `writable`,
    ],
    [
      'kernel',
      halfClose.clientStateAfterEnd === null
        ? `states: ${unseen}`
        : `client end ${halfClose.clientStateAfterEnd}, server end ${halfClose.serverStateAfterEnd}`,
    ],
    ['server', 'answers anyway (allowHalfOpen: true)'],
    ['client', `heard "${halfClose.clientHeard}"`],
    ['step 4', 'the peer is gone'],
    ['server', 'resetAndDestroy(): sends RST'],
    ['client', `reading socket: error ${peerGone.readerAfterReset}`],
    ['step 5', "beyond the lesson, on the lab's own connections"],
    [
      'server',
      `with Node's default allowHalfOpen: false, Node ends the server's side itself on 'end': the client got ` +
        `FIN${halfClose.defaultPeerAnswered ? ` after "${halfClose.defaultPeerAnswered}"` : ' and no answer'}`,
    ],
    ['client', 'resetAndDestroy() on a connection whose server end is not reading'],
    ['server', `write(): ${peerGone.writeAfterReset}`],
    ['client', 'destroy(): a normal close, FIN'],
    [
      'server',
      `first write() after the FIN: ${peerGone.firstWriteAfterClose} (the bytes leave; the client's kernel ` +
        `answers RST)`,
    ],
    ['server', `second write(): ${peerGone.secondWriteAfterClose}`],
  ];
}

/** Predict, then run: `npm run exercise -- 06`. */
export const EXERCISE = defineExercise({
  knobs: KNOBS,
  observe: ({ MESSAGES, LARGE_BYTES }) => observeByteStream({ messages: MESSAGES, largeBytes: LARGE_BYTES }),
  questions: [
    {
      id: 'coalesced-reads',
      kind: 'number',
      ask: {
        en: ({ MESSAGES }) =>
          `The client writes ${MESSAGES} short messages while the reader is paused. The reader resumes: how many ` +
          "'data' events does it get?",
        ko: ({ MESSAGES }) =>
          `읽는 쪽이 멈춰 있는 동안 클라이언트가 짧은 메시지 ${MESSAGES}개를 write한다. 읽는 쪽이 다시 읽기 ` +
          "시작하면 'data' 이벤트를 몇 번 받나?",
      },
      measure: ({ coalesce }) => coalesce.chunkSizes.length,
      why: {
        en: ({ coalesce }) =>
          `the kernel keeps a stream of bytes, not messages: the ${coalesce.bytesWritten} bytes waited in one ` +
          'receive queue and one read took as much as was there',
        ko: ({ coalesce }) =>
          `커널이 지니는 것은 메시지가 아니라 바이트 스트림이다. ${coalesce.bytesWritten}바이트가 수신 큐 하나에서 ` +
          '기다렸고, read 한 번이 거기 있던 만큼을 가져갔다',
      },
    },
    {
      id: 'largest-read',
      kind: 'number',
      unit: UNITS.bytes,
      ask: {
        en: ({ LARGE_BYTES }) =>
          `One write() of ${LARGE_BYTES} bytes. How many bytes does the largest 'data' event hold?`,
        ko: ({ LARGE_BYTES }) =>
          `write() 한 번에 ${LARGE_BYTES}바이트를 쓴다. 가장 큰 'data' 이벤트에는 몇 바이트가 담기나?`,
      },
      measure: ({ split }) => split.largestChunk,
      why: {
        en: () =>
          'libuv reads into a buffer of 64 KiB: one read() returns what has arrived, at most that much, whatever ' +
          'was written',
        ko: () =>
          'libuv는 64 KiB 버퍼로 읽는다. 얼마를 write했든 read() 한 번은 도착해 있는 만큼을, 최대 그만큼 돌려준다',
      },
    },
    {
      id: 'after-half-close',
      kind: 'choice',
      ask: {
        en: () => "The client calls end() (a FIN) and the server has not answered. The client's state?",
        ko: () => '클라이언트가 end()를 호출했고(FIN) 서버는 아직 답하지 않았다. 클라이언트의 상태는?',
      },
      options: [
        ['FIN_WAIT2', same('FIN_WAIT2')],
        ['TIME_WAIT', same('TIME_WAIT')],
        ['CLOSED', { en: 'CLOSED: the connection is over', ko: 'CLOSED: 연결이 끝났다' }],
      ],
      measure: ({ halfClose }) =>
        halfClose.clientStateAfterEnd ?? {
          unmeasured: {
            en: 'states are read from /proc, Linux only',
            ko: '상태는 /proc에서 읽으므로 리눅스에서만 잴 수 있다',
          },
        },
      why: {
        en: () => "its FIN was acknowledged; it waits for the server's FIN, and can still read what the server sends",
        ko: () => '자기 FIN은 ACK를 받았다. 이제 서버의 FIN을 기다리며, 서버가 보내는 것은 여전히 읽을 수 있다',
      },
    },
    {
      id: 'second-write',
      kind: 'choice',
      ask: {
        en: () => 'The server closed normally. The client writes once (the kernel takes the bytes), then once more:',
        ko: () =>
          '서버가 정상적으로 닫았다. 클라이언트가 한 번 write하고(커널이 바이트를 받아 간다) 한 번 더 write하면:',
      },
      options: [
        ['written', { en: 'the second write succeeds as well', ko: '두 번째 write도 성공한다' }],
        ['EPIPE', same('EPIPE')],
        ['ECONNRESET', same('ECONNRESET')],
      ],
      measure: ({ peerGone }) => peerGone.secondWriteAfterClose,
      why: {
        en: () =>
          "the first write's bytes reached a peer that had closed, whose kernel answered with a reset; once that " +
          'reset has arrived, writing is refused with EPIPE',
        ko: () =>
          '첫 write의 바이트는 이미 닫은 상대에게 갔고, 상대 커널은 리셋으로 답했다. 그 리셋이 도착한 뒤의 ' +
          'write는 EPIPE로 거절된다',
      },
    },
  ],
});

/** Writes merged into one read, the half-close, the answer after it and the reset, as a Mermaid sequence diagram. */
export function mermaidByteStream(seen: ByteStreamObservations): string[] {
  const { coalesce, halfClose, peerGone } = seen;
  const reads = coalesce.chunkSizes.map((size) => `${size}`).join(', ');
  return [
    'sequenceDiagram',
    '    participant C as client socket',
    '    participant S as server socket',
    `    C->>S: write() × ${coalesce.writes}, ${coalesce.bytesWritten} bytes in all, while the server does not read`,
    `    Note over S: rx_queue: ${coalesce.queuedBeforeResume ?? '?'} bytes waiting`,
    `    Note over S: reads again: ${coalesce.chunkSizes.length} data event(s) of ${reads} bytes`,
    '    C->>S: end(): FIN, the client stops writing',
    `    Note over C,S: client ${halfClose.clientStateAfterEnd ?? '?'}, server ${halfClose.serverStateAfterEnd ?? '?'}`,
    `    S->>C: ${text(halfClose.clientHeard)}`,
    '    Note over C: reads the answer after its own FIN',
    '    S-xC: resetAndDestroy(): RST',
    `    Note over C: read() fails: ${peerGone.readerAfterReset}`,
  ];
}

/** The command line, exported so tests can run it in-process. */
export const cli = defineScript({
  usage: `
Usage: npx tsx scripts/06-read-write.ts [--messages N] [--large-bytes N] [--json | --mermaid]

Runs the lesson on ${HOST} and shows the kernel's view: several writes arrive as one read, one
large write arrives as many reads, and only a length-prefix framer gets the messages back; then
half-close with end(), and a reset. On connections of its own, the lab then shows what writes
report once the peer has reset or closed.

--messages N      small writes made while the reader is paused
                  (1-${MAX_MESSAGES}, default ${DEFAULT_MESSAGES})
--large-bytes N   size of the one large write
                  (${READ_SIZE_BYTES + 1}-${MAX_LARGE_BYTES}, default ${DEFAULT_LARGE_BYTES})`,
  flags: {
    messages: { type: 'string', default: String(DEFAULT_MESSAGES) },
    'large-bytes': { type: 'string', default: String(DEFAULT_LARGE_BYTES) },
  },
  demo: (values: FlagValues) =>
    observeByteStream({
      messages: integerFlag(values, 'messages', 1, MAX_MESSAGES),
      largeBytes: integerFlag(values, 'large-bytes', READ_SIZE_BYTES + 1, MAX_LARGE_BYTES),
    }),
  render: renderByteStream,
  mermaid: mermaidByteStream,
});

/** Runs the lab's command line: the lesson calls this when it runs as a program in the project. */
export const run = () => runScript(cli);

if (isMain(import.meta.url)) await run();
