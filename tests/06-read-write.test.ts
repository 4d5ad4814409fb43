/**
 * Exercise: read() and write() on a byte stream. Knobs (predict, then run):
 *   MESSAGES=5          small writes made while the reader is paused. How many `data` chunks
 *                       will the reader get for 50 of them? For 1000?
 *   LARGE_BYTES=1048576 one write of this many bytes. At least how many chunks must arrive, if
 *                       Node reads at most 64 KiB at a time? Is the count the same every run?
 *   SEED=<random>       the seed of the framer's property test; a failing run prints it, so
 *                       SEED=that-number reproduces the failure exactly.
 *   RANDOM_MESSAGES=500 messages in the property test's stream, cut at random points.
 * Run: npm run exercise -- 06    or    MESSAGES=50 LARGE_BYTES=100000 npm run exercise -- 06
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  KNOBS,
  createDeframer,
  frame,
  LENGTH_PREFIX_BYTES,
  observeByteStream,
  EXERCISE,
  DEFAULT_MESSAGES,
  mermaidByteStream,
  type ByteStreamObservations,
} from '../scripts/lab/06-read-write.ts';
import { READ_SIZE_BYTES } from '../scripts/lib/libuv.ts';
import { atDefaults, knobs, measuredAnswers } from './lib/knobs.ts';
import { ROLE_LINE, runLessonAlone } from './lib/lesson.ts';
import { ssSocket } from './lib/ss.ts';
import { assertMermaidMatchesNotes, assertRejects, assertSeenMatchesNotes, observedClean } from './lib/transcript.ts';
import { linuxOnly, toolOrSkip } from './lib/tools.ts';

const { MESSAGES, LARGE_BYTES, SEED, RANDOM_MESSAGES } = knobs(KNOBS);
/** The lesson's step 1 on the wire: "message i of N", each after its 4-byte length. */
const SMALL_BYTES = Array.from(
  { length: MESSAGES },
  (_, i) => LENGTH_PREFIX_BYTES + `message ${i + 1} of ${MESSAGES}`.length,
).reduce((a, b) => a + b, 0);

let seen: ByteStreamObservations;
/** What `ss -tin` says about the writer's socket while its bytes wait in the paused reader's queue. */
let writerInfo: string | undefined;
before(async () => {
  seen = await observedClean(() =>
    observeByteStream({
      messages: MESSAGES,
      largeBytes: LARGE_BYTES,
      whileQueued: async (clientPort) => {
        writerInfo = await ssSocket('-tinH', 'established', clientPort);
      },
    }),
  );
});

/** mulberry32: a tiny seeded PRNG, so a failing cut pattern can be replayed from its seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 2 ** 32;
  };
}

test(
  'the lesson alone (copied into an empty folder, run by node): its reader cuts every message out of ' +
    'the stream by length, one write comes as many reads, an answer comes after the FIN, and the reset is ECONNRESET',
  async () => {
    // Both runners at once: each is a process start, and the machine may be busy.
    await Promise.all(
      (['node'] as const).map(async (runner) => {
        const env = { MESSAGES: String(MESSAGES), LARGE_BYTES: String(LARGE_BYTES) };
        const run = await runLessonAlone('06-read-write', runner, env);
        assert.equal(run.code, 0, `${runner}: ${run.stderr}`);
        const lines = run.stdout.trimEnd().split('\n');
        for (const line of lines) assert.match(line, ROLE_LINE, `${runner}: a line without its speaker`);
        assert.equal(lines.length, 6, `${runner}: one line per step and two for the half-close:\n${run.stdout}`);
        assert.equal(lines[0], `client: ${MESSAGES} write() calls, ${SMALL_BYTES} bytes; the server is not reading`);
        const [, smallReads, messagesCut] = /^server: (\d+) read\(s\); by length, (\d+) messages$/.exec(lines[1]) ?? [];
        assert.ok(Number(smallReads) >= 1, `${runner}: ${lines[1]}`);
        assert.equal(Number(messagesCut), MESSAGES, `${runner}: the length prefixes give back every message`);
        const wireBytes = LARGE_BYTES + LENGTH_PREFIX_BYTES;
        const [, largeReads, largeWritten] =
          /^server: (\d+) reads for 1 write\(\) of (\d+) bytes$/.exec(lines[2]) ?? [];
        assert.equal(Number(largeWritten), wireBytes, `${runner}: ${lines[2]}`);
        assert.ok(Number(largeReads) >= Math.ceil(wireBytes / READ_SIZE_BYTES), `${runner}: at most 64 KiB a read`);
        assert.equal(lines[3], `server: 'end' after "question, then FIN"; answering anyway`);
        assert.equal(lines[4], 'client: heard "an answer after your FIN" after its own FIN');
        assert.equal(lines[5], 'client: read() failed with ECONNRESET; the connection is gone');
      }),
    );
  },
);

test(`${MESSAGES} small writes made while the reader is paused arrive as one data chunk`, { skip: linuxOnly }, () => {
  assert.equal(seen.coalesce.writes, MESSAGES, 'one write() per message');
  assert.equal(seen.coalesce.bytesWritten, SMALL_BYTES);
  assert.equal(
    seen.coalesce.queuedBeforeResume,
    SMALL_BYTES,
    "the kernel held every byte in the reader's receive queue before it resumed",
  );
  assert.deepEqual(seen.coalesce.chunkSizes, [SMALL_BYTES], 'one read() took them all');
});

/**
 * The kernel starts a connection with a congestion window of 10 segments (TCP_INIT_CWND, RFC 6928):
 * that many may be in flight before an ACK. Writes beyond it can wait in the writer's queue and
 * leave joined, TCP_NODELAY or not; so only the first ones are sure to travel alone.
 */
const INITIAL_CWND = 10;

test('the first small writes left the writer as separate segments: the joining happened at the reader', {
  skip: linuxOnly,
}, async (t) => {
  if (!(await toolOrSkip(t, 'ss'))) return;
  const dataSegments = /\bdata_segs_out:(\d+)/.exec(writerInfo ?? '');
  assert.ok(dataSegments, `ss -tin showed no data_segs_out for the writer:\n${writerInfo}`);
  const atLeast = Math.min(MESSAGES, INITIAL_CWND);
  assert.ok(
    Number(dataSegments[1]) >= atLeast,
    `${dataSegments[1]} data segments for ${MESSAGES} writes; expected at least ${atLeast}`,
  );
});

test(`one write of ${LARGE_BYTES} bytes arrives as several data chunks of at most 64 KiB`, () => {
  const wireBytes = LARGE_BYTES + LENGTH_PREFIX_BYTES;
  assert.equal(seen.split.bytesWritten, wireBytes);
  assert.ok(
    seen.split.largestChunk <= READ_SIZE_BYTES,
    `a chunk of ${seen.split.largestChunk} bytes; Node reads at most ${READ_SIZE_BYTES}`,
  );
  assert.ok(
    seen.split.chunks >= Math.ceil(wireBytes / READ_SIZE_BYTES),
    `${seen.split.chunks} chunks for ${wireBytes} bytes`,
  );
});

test('a reader that takes each chunk for one message gets both cases wrong', () => {
  assert.equal(seen.coalesce.naiveMessages, 1, `it sees one message where ${MESSAGES} were sent`);
  assert.ok(seen.split.naiveMessages > 1, 'it sees several messages where one was sent');
});

test('the length-prefix framer gets every message back exactly, in both cases', () => {
  assert.equal(seen.coalesce.framedMessages, MESSAGES);
  assert.ok(seen.coalesce.framedExact);
  assert.equal(seen.split.framedMessages, 1);
  assert.ok(seen.split.framedExact);
});

test(
  `property: ${RANDOM_MESSAGES} random messages, the stream cut at random points, every message recovered ` +
    `exactly (SEED=${SEED})`,
  (t) => {
    t.diagnostic(`SEED=${SEED} RANDOM_MESSAGES=${RANDOM_MESSAGES}: rerun with these to replay this exact case`);
    const random = prng(SEED);
    const below = (limit: number) => Math.floor(random() * limit);
    // Lengths from empty to larger than one read, most of them small, as real traffic is.
    const sizeClasses = [0, 8, 300, 5000, 2 * READ_SIZE_BYTES];
    const messages = Array.from({ length: RANDOM_MESSAGES }, () => {
      const message = Buffer.alloc(below(sizeClasses[below(sizeClasses.length)] + 1));
      for (let i = 0; i < message.length; i++) message[i] = below(256);
      return message;
    });
    const stream = Buffer.concat(messages.map(frame));

    // Cuts from 1 byte (every header split) to a few reads' worth (several messages per chunk).
    const deframe = createDeframer();
    const recovered: Buffer[] = [];
    for (let at = 0; at < stream.length; ) {
      const size = 1 + below(random() < 0.3 ? 8 : 3 * READ_SIZE_BYTES);
      recovered.push(...deframe(stream.subarray(at, at + size)));
      at += size;
    }
    assert.equal(recovered.length, messages.length, `SEED=${SEED}: message count`);
    for (const [i, message] of recovered.entries())
      assert.ok(message.equals(messages[i]), `SEED=${SEED}: message ${i} differs`);
  },
);

test('the framer refuses a length prefix above its limit instead of buffering for it', () => {
  const deframe = createDeframer(1024);
  assert.deepEqual(
    deframe(frame(Buffer.alloc(1024))).map((message) => message.length),
    [1024],
  );
  assert.throws(
    () => deframe(frame(Buffer.alloc(1025)).subarray(0, LENGTH_PREFIX_BYTES)),
    /1025 bytes; the limit is 1024/,
  );
});

test('end() sends FIN: the peer sees end, and with allowHalfOpen it still answers', () => {
  // The lesson answers only once its server has seen 'end'; without it, the lesson would not finish.
  assert.equal(seen.halfClose.clientSaid, 'question, then FIN', "the server read end()'s last bytes before 'end'");
  assert.equal(seen.halfClose.clientWritableAfterEnd, false, 'the client gave up its sending side');
  assert.equal(seen.halfClose.clientHeard, 'an answer after your FIN', 'the other direction still carried bytes');
});

test("with Node's default allowHalfOpen: false, the server's side is ended for it as soon as the FIN arrives", () => {
  assert.equal(
    seen.halfClose.defaultPeerAnswered,
    '',
    'the client got FIN back without the server code writing or ending',
  );
});

test('after end() the kernel shows the half-closed pair: FIN_WAIT2 on the closer, CLOSE_WAIT on the peer', {
  skip: linuxOnly,
}, () => {
  assert.equal(seen.halfClose.clientStateAfterEnd, 'FIN_WAIT2');
  assert.equal(seen.halfClose.serverStateAfterEnd, 'CLOSE_WAIT');
});

test('a reset (resetAndDestroy) reaches a reading peer as ECONNRESET', () => {
  assert.equal(seen.peerGone.readerAfterReset, 'ECONNRESET');
});

test('writing to a connection the peer reset fails with ECONNRESET', { skip: linuxOnly }, () => {
  assert.equal(seen.peerGone.writeAfterReset, 'ECONNRESET');
});

test('after the peer closed normally the first write still succeeds; the next one, after the RST it provoked, ' +
  'fails with EPIPE', {
  skip: linuxOnly,
}, () => {
  assert.equal(seen.peerGone.firstWriteAfterClose, 'written');
  assert.equal(seen.peerGone.secondWriteAfterClose, 'EPIPE');
});

test("the output matches the sample in NOTES.md (rendered from this file's run)", (t) => {
  if (!atDefaults(KNOBS, { MESSAGES, LARGE_BYTES })) return t.skip('the sample shows the default knobs');
  // How many reads a 1 MiB write takes depends on scheduling; everything else is fixed.
  return assertSeenMatchesNotes('06-read-write', seen, [
    [/got it in \d+ data chunks, the largest \d+ bytes/g, 'got it in N data chunks, the largest N bytes'],
    [/\d+ messages \(1 sent\)/g, 'N messages (1 sent)'],
  ]);
});

test('--messages 0 is refused with one error line and exit code 2', () =>
  assertRejects('06-read-write', ['--messages', '0'], /--messages must be between 1/));

test('--large-bytes that fits in one read is refused', () =>
  assertRejects('06-read-write', ['--large-bytes', String(READ_SIZE_BYTES)], /--large-bytes must be between/));

test('an unknown flag is one error line and exit code 2', () =>
  assertRejects('06-read-write', ['--chunks', '3'], /Unknown option '--chunks'/));

test('the questions of `npm run exercise -- 06` are answered by what this run measured', { skip: linuxOnly }, () => {
  const { 'largest-read': largestRead, ...answers } = measuredAnswers(EXERCISE, seen);
  assert.deepEqual(answers, { 'coalesced-reads': 1, 'after-half-close': 'FIN_WAIT2', 'second-write': 'EPIPE' });
  // A read takes what has arrived, up to libuv's buffer: usually the whole buffer, never more.
  assert.ok(Number(largestRead) > 0 && Number(largestRead) <= READ_SIZE_BYTES, `${largestRead} bytes`);
});

test('the diagram in NOTES.md is the one this run draws (--mermaid)', { skip: linuxOnly }, (t) => {
  if (!atDefaults(KNOBS, { MESSAGES })) return t.skip(`the diagram shows MESSAGES=${DEFAULT_MESSAGES}`);
  return assertMermaidMatchesNotes('06-read-write', mermaidByteStream(seen));
});
