/**
 * @title read() and write(): a byte stream, not messages
 * @concept TCP delivers an ordered stream of bytes with no message boundaries: writes and reads do not line up, so a
 *   protocol must frame its own messages; end() half-closes, and a reset reaches the peer as ECONNRESET or EPIPE.
 * @notes #25-read-and-write-a-byte-stream-not-messages-06-read-write
 * @run npx tsx scripts/06-read-write.ts
 * @resource https://nodejs.org/api/net.html#socketwritedata-encoding-callback
 * @resource https://nodejs.org/api/net.html#socketresetanddestroy
 * @resource https://man7.org/linux/man-pages/man7/tcp.7.html
 * @knobs MESSAGES (small writes that arrive as one chunk; default 5), LARGE_BYTES (one write that arrives as many
 *   chunks; default 1048576), SEED and RANDOM_MESSAGES (the framer's property test: PRNG seed, default a fresh one,
 *   printed; messages, default 500)
 *
 * Every connection here joins two sockets of this process over 127.0.0.1. Each step opens a
 * fresh connection, so one step's leftovers never blur the next one's picture.
 */
import { createConnection, createServer, type AddressInfo, type Server, type ServerOpts, type Socket } from 'node:net';
import { defineScript, integerFlag, isMain, runScript, type FlagValues, type Line, defineKnobs } from './lib/cli.ts';
import { hasProcNet, readTable, type SocketRow } from './lib/proc-net.ts';
import { text } from './lib/mermaid.ts';
import { defineExercise } from './lib/questions.ts';
import { onceWithin, until, within } from './lib/wait.ts';

const HOST = '127.0.0.1';
const STEP_TIMEOUT_MS = 2000;
export const DEFAULT_MESSAGES = 5;
/** Kept small enough that all the messages fit in one 64 KiB read (see READ_SIZE_BYTES). */
export const MAX_MESSAGES = 1000;
export const DEFAULT_LARGE_BYTES = 1024 * 1024;
export const MAX_LARGE_BYTES = 64 * 1024 * 1024;
/** libuv asks read() for at most 64 KiB at a time, so no `data` chunk of a TCP socket is larger. */
export const READ_SIZE_BYTES = 64 * 1024;
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

// ---- The lesson: write() and read() on a byte stream, four steps, one connection each ---------

/** Runs the four steps, one connection each. */
export async function observeByteStream({
  messages = DEFAULT_MESSAGES,
  largeBytes = DEFAULT_LARGE_BYTES,
  whileQueued,
}: ByteStreamOptions = {}): Promise<ByteStreamObservations> {
  return {
    coalesce: await observeCoalesce(messages, whileQueued),
    split: await observeSplit(largeBytes),
    halfClose: await observeHalfClose(),
    peerGone: await observePeerGone(),
  };
}

/**
 * Several small writes while the reader is paused: the kernel queues them as one run of bytes, and one read takes them
 * all.
 */
async function observeCoalesce(messageCount: number, whileQueued?: QueuedHook): Promise<CoalesceObservations> {
  // pauseOnConnect: the accepted socket does not read until we resume it.
  const connection = await connect({ pauseOnConnect: true });
  try {
    const { client, server } = connection;
    client.setNoDelay(true); // no Nagle: each write leaves as its own segment, so any merging is the reader's
    const messages = Array.from({ length: messageCount }, (_, i) => Buffer.from(`message ${i + 1} of ${messageCount}`));
    const framed = messages.map(frame);
    // write() each framed message: separate calls, and (no Nagle) separate segments on the wire.
    for (const bytes of framed) await write(client, bytes);
    const bytesWritten = framed.reduce((sum, bytes) => sum + bytes.length, 0);

    // Resume only once every byte sits in the reader's receive queue: then one read() takes them all.
    let queuedBeforeResume: number | null = null;
    if (hasProcNet) {
      await untilRow(
        `all ${bytesWritten} bytes to reach the reader's receive queue`,
        async () => (await connection.serverRow())?.rxQueue === bytesWritten,
      );
      queuedBeforeResume = (await connection.serverRow())?.rxQueue ?? null;
    }
    await whileQueued?.(client.localPort!);
    // read(): each 'data' chunk is one read() by libuv, of up to 64 KiB.
    const chunks = await readChunks(server, bytesWritten, `the ${messageCount} messages to arrive`);
    return {
      writes: messageCount,
      bytesWritten,
      queuedBeforeResume,
      chunkSizes: chunks.map((chunk) => chunk.length),
      ...verdict(chunks, messages),
    };
  } finally {
    await connection.close();
  }
}

/** One large write: the bytes leave in segments and arrive in as many reads as it takes. */
async function observeSplit(largeBytes: number): Promise<SplitObservations> {
  const connection = await connect();
  try {
    const message = Buffer.alloc(largeBytes, 0);
    for (let i = 0; i < largeBytes; i++) message[i] = i % 251; // a pattern, so a lost or moved byte shows
    const wire = frame(message);
    const arrived = readChunks(connection.server, wire.length, `${wire.length} bytes of one write to arrive`);
    await write(connection.client, wire);
    const chunks = await arrived;
    return {
      writes: 1,
      bytesWritten: wire.length,
      chunks: chunks.length,
      largestChunk: Math.max(...chunks.map((chunk) => chunk.length)),
      ...verdict(chunks, [message]),
    };
  } finally {
    await connection.close();
  }
}

/** end() sends FIN: the server reads to the end and, with allowHalfOpen, still answers. */
async function observeHalfClose(): Promise<HalfCloseObservations> {
  const connection = await connect({ allowHalfOpen: true });
  let halfOpen: Omit<HalfCloseObservations, 'defaultPeerAnswered'>;
  try {
    const { client, server } = connection;
    let clientHeard = '';
    client.setEncoding('utf8').on('data', (text: string) => (clientHeard += text));
    const clientDone = onceWithin(client, 'end', STEP_TIMEOUT_MS, "the server's answer and FIN");
    const serverSawEnd = onceWithin(server.resume(), 'end', STEP_TIMEOUT_MS, "the client's FIN");

    // end(): write() the last bytes, then shutdown(SHUT_WR): the kernel sends FIN; this side can still read.
    client.end('question, then FIN');
    await serverSawEnd;
    // The server has seen FIN yet holds its side open: the kernel shows the half-closed pair.
    let clientStateAfterEnd: string | null = null;
    let serverStateAfterEnd: string | null = null;
    if (hasProcNet) {
      await untilRow(
        'the client to reach FIN_WAIT2',
        async () => (await connection.clientRow())?.state === 'FIN_WAIT2',
      );
      clientStateAfterEnd = (await connection.clientRow())?.state ?? null;
      serverStateAfterEnd = (await connection.serverRow())?.state ?? null;
    }
    const clientWritableAfterEnd = client.writable;
    server.end('an answer after your FIN');
    await clientDone;
    halfOpen = { clientStateAfterEnd, serverStateAfterEnd, clientWritableAfterEnd, clientHeard };
  } finally {
    await connection.close();
  }

  // The same FIN to a server with Node's default, allowHalfOpen: false. Its code never calls end().
  const closing = await connect();
  try {
    let heard = '';
    closing.client.setEncoding('utf8').on('data', (text: string) => (heard += text));
    const peerEnded = onceWithin(closing.client, 'end', STEP_TIMEOUT_MS, "Node's automatic FIN from the server");
    closing.server.resume();
    closing.client.end();
    await peerEnded;
    return { ...halfOpen, defaultPeerAnswered: heard };
  } finally {
    await closing.close();
  }
}

/** The peer resets, or closes and then gets data: what reads and writes on this side report. */
async function observePeerGone(): Promise<PeerGoneObservations> {
  // A reading socket whose peer resets: read() fails.
  const reading = await connect();
  let readerAfterReset: string;
  try {
    const failed = onceWithin(reading.client, 'error', STEP_TIMEOUT_MS, 'the reset to reach the reader');
    // resetAndDestroy(): libuv sets SO_LINGER to zero, then close(): the kernel sends RST instead of FIN.
    reading.server.resetAndDestroy();
    const [error] = await failed;
    readerAfterReset = errorCode(error);
  } finally {
    await reading.close();
  }

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
    return { readerAfterReset, writeAfterReset, firstWriteAfterClose, secondWriteAfterClose };
  } finally {
    await closed.close();
  }
}

// ---- Below: framing, the steps' plumbing, what they observe, output ------------------------

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

// ---- Plumbing for the steps ---------------------------------------------------------------

interface Connection {
  client: Socket;
  /** The socket accept() made on the server's side. */
  server: Socket;
  /** This connection's row in /proc/net/tcp for the server's end (undefined once the kernel dropped it). */
  serverRow(): Promise<SocketRow | undefined>;
  clientRow(): Promise<SocketRow | undefined>;
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
  const rowOf = async (localPort: number, remotePort: number) =>
    (await readTable('tcp', [localPort])).find((row) => row.localPort === localPort && row.remotePort === remotePort);
  return {
    client,
    server,
    serverRow: () => rowOf(port, clientPort),
    clientRow: () => rowOf(clientPort, port),
    async close() {
      client.destroy();
      server.destroy();
      await within(new Promise((resolve) => listener.close(resolve)), STEP_TIMEOUT_MS, 'the listener to close');
    },
  };
}

/** Collects `data` chunks until `bytes` bytes have arrived, and returns them chunk by chunk. */
async function readChunks(socket: Socket, bytes: number, what: string): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  let received = 0;
  await within(
    new Promise<void>((resolve, reject) => {
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (received >= bytes) resolve();
      });
      socket.resume();
    }),
    STEP_TIMEOUT_MS,
    what,
  );
  return chunks;
}

/** Writes and waits until Node has handed the bytes to the kernel (or the kernel said no). */
function write(socket: Socket, data: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => socket.write(data, (error) => (error ? reject(error) : resolve())));
}

/** Polls the kernel's table until `probe` holds; there is no event for kernel state. */
function untilRow(what: string, probe: () => Promise<boolean>): Promise<true> {
  return until(async () => ((await probe()) ? true : undefined), STEP_TIMEOUT_MS, what);
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException).code ?? String(error);

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
  /** Kernel states right after the client's end(), while the server had not answered yet. */
  clientStateAfterEnd: string | null;
  serverStateAfterEnd: string | null;
  clientWritableAfterEnd: boolean;
  clientHeard: string;
  /** With Node's default allowHalfOpen: false, the peer's FIN came back unasked and with no bytes. */
  defaultPeerAnswered: string;
}

export interface PeerGoneObservations {
  /** The error a reading socket gets when its peer resets the connection. */
  readerAfterReset: string;
  /** A write on a connection the peer reset. */
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

function verdict(chunks: Buffer[], sent: Buffer[]): ReaderVerdict {
  const deframe = createDeframer();
  const recovered = chunks.flatMap((chunk) => deframe(chunk));
  return {
    naiveMessages: chunks.length,
    framedMessages: recovered.length,
    framedExact: recovered.length === sent.length && recovered.every((message, i) => message.equals(sent[i])),
  };
}

/** The error a write on `socket` ends with. */
async function failedWrite(socket: Socket, data: string): Promise<string> {
  socket.on('error', () => {}); // the write's callback reports it; the 'error' event says it again
  try {
    await write(socket, data);
    return 'written';
  } catch (error) {
    return errorCode(error);
  }
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
    ['client', 'wrote "question, then FIN" and called end()'],
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
    ['server', 'answers anyway (allowHalfOpen: true), then ends its side'],
    ['client', `heard "${halfClose.clientHeard}"`],
    [
      'server',
      `with Node's default allowHalfOpen: false, Node ends the server's side itself on 'end': the client got ` +
        `FIN${halfClose.defaultPeerAnswered ? ` after "${halfClose.defaultPeerAnswered}"` : ' and no answer'}`,
    ],
    ['step 4', 'the peer is gone'],
    ['server', 'resetAndDestroy(): sends RST'],
    ['client', `reading socket: error ${peerGone.readerAfterReset}`],
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
      ask: ({ MESSAGES }) =>
        `The client writes ${MESSAGES} short messages while the reader is paused. The reader resumes: how many ` +
        "'data' events does it get?",
      measure: ({ coalesce }) => coalesce.chunkSizes.length,
      why: ({ coalesce }) =>
        `the kernel keeps a stream of bytes, not messages: the ${coalesce.bytesWritten} bytes waited in one ` +
        'receive queue and one read took as much as was there',
    },
    {
      id: 'largest-read',
      kind: 'number',
      unit: 'bytes',
      ask: ({ LARGE_BYTES }) =>
        `One write() of ${LARGE_BYTES} bytes. How many bytes does the largest 'data' event hold?`,
      measure: ({ split }) => split.largestChunk,
      why: () =>
        'libuv reads into a buffer of 64 KiB: one read() returns what has arrived, at most that much, whatever ' +
        'was written',
    },
    {
      id: 'after-half-close',
      kind: 'choice',
      ask: () => "The client calls end() (a FIN) and the server has not answered. The client's state?",
      options: [
        ['FIN_WAIT2', 'FIN_WAIT2'],
        ['TIME_WAIT', 'TIME_WAIT'],
        ['CLOSED', 'CLOSED: the connection is over'],
      ],
      measure: ({ halfClose }) =>
        halfClose.clientStateAfterEnd ?? { unmeasured: 'states are read from /proc, Linux only' },
      why: () => "its FIN was acknowledged; it waits for the server's FIN, and can still read what the server sends",
    },
    {
      id: 'second-write',
      kind: 'choice',
      ask: () => 'The server closed normally. The client writes once (the kernel takes the bytes), then once more:',
      options: [
        ['written', 'the second write succeeds as well'],
        ['EPIPE', 'EPIPE'],
        ['ECONNRESET', 'ECONNRESET'],
      ],
      measure: ({ peerGone }) => peerGone.secondWriteAfterClose,
      why: () =>
        "the first write's bytes reached a peer that had closed, whose kernel answered with a reset; once that " +
        'reset has arrived, writing is refused with EPIPE',
    },
  ],
});

/** Writes merged into one read, then the half-close and the answer after it, as a Mermaid sequence diagram. */
export function mermaidByteStream(seen: ByteStreamObservations): string[] {
  const { coalesce, halfClose } = seen;
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
    `    S->>C: ${text(halfClose.clientHeard)}, then its own FIN`,
    '    Note over C: reads the answer after its own FIN',
  ];
}

/** The command line, exported so tests can run it in-process. */
export const cli = defineScript({
  usage: `
Usage: npx tsx scripts/06-read-write.ts [--messages N] [--large-bytes N] [--json | --mermaid]

Shows that TCP is a byte stream, on ${HOST}: several writes arrive as one read, one large write
arrives as many reads, and only a length-prefix framer gets the messages back; then half-close
with end(), and what reads and writes report once the peer has reset or closed.

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

if (isMain(import.meta.url)) await runScript(cli);
