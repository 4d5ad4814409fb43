/**
 * Level 3, length-prefixed frames over TCP: a 4-byte big-endian length, then that many bytes;
 * each frame is answered with its bytes reversed. The attacks: the protocol (empty and binary
 * frames); frames cut at every byte, and one of 1 MiB; 100 frames in one write; 64 frames of
 * 1 MiB to a client that never reads; ten clients behind a silent one; a reset mid-frame.
 */
import { defineLevel, MIB, type Random, scaled } from '../lib/attack.ts';
import { cutAtEveryByte, type Exchange, manyAtOnce, neverReads, REPLY_MS, resetMidRequest } from './attacks.ts';

/** A frame: the 4-byte big-endian length, then the payload. */
function frame(payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length, 0);
  return Buffer.concat([header, payload]);
}

/** Frames of these payloads, and the answers due: the same payloads reversed. */
const framesOf = (payloads: Buffer[]): Exchange => ({
  request: Buffer.concat(payloads.map(frame)),
  reply: Buffer.concat(payloads.map((payload) => frame(Buffer.from(payload).reverse()))),
});

/** `count` frames of 1 to `maxBytes` bytes each (0-length frames are the protocol attack's). */
const randomFrames = (random: Random, count: number, maxBytes: number) =>
  framesOf(Array.from({ length: count }, () => random.bytes(1 + random.int(maxBytes))));

export const LEVEL = defineLevel({
  protocol: 'tcp',
  notes: [
    '#25-read-and-write-a-byte-stream-not-messages-06-read-write',
    '#43-tcp-against-udp-measured-11-tcp-vs-udp',
    '#26-one-process-one-thread-many-clients-12-many-clients',
  ],
  attacks: [
    {
      name: 'protocol',
      claim: 'each frame, empty or binary, is answered with a frame of its bytes reversed',
      hints: [
        'which frames does your server answer: all of them, even one of length 0?',
        'a 0-length frame is answered with a 0-length frame: the 4 bytes 00 00 00 00',
      ],
      async run(attack) {
        const peer = await attack.connect('a client');
        const values = attack.random.shuffle(Array.from({ length: 256 }, (_, value) => value));
        const payloads = [Buffer.alloc(0), Buffer.from('hello'), Buffer.from(values), attack.random.bytes(1000)];
        for (const payload of payloads) {
          const { request, reply } = framesOf([payload]);
          peer.write(request);
          await peer.expect(reply, scaled(REPLY_MS), `the answer to a frame of ${payload.length} bytes`);
        }
      },
    },
    {
      ...cutAtEveryByte((random) => ({
        cut: framesOf([random.bytes(3), random.bytes(10)]),
        long: [framesOf([random.bytes(MIB)])],
      })),
      hints: [
        "what does your server do with a 'data' chunk shorter than a header?",
        'keep every byte that is not yet a whole frame, header included, and look again after the next read',
      ],
    },
    {
      name: 'coalesced',
      claim: '100 frames in one write get 100 answers, in order',
      hints: [
        'one read can hold several frames: what happens to the bytes after the first?',
        'after answering a frame, look for the next one in what is left, before waiting for another read',
      ],
      async run(attack) {
        const peer = await attack.connect('a client that sends 100 frames at once');
        const { request, reply } = randomFrames(attack.random, 100, 120);
        peer.write(request);
        await peer.expect(reply, scaled(REPLY_MS), 'the 100 answers');
      },
    },
    {
      // Measured: the reference solution peaks 10 to 13 MiB above its start, one that keeps its answers 92 MiB.
      ...neverReads((random) => ({ part: frame(random.bytes(MIB)), times: 64 }), 48),
      hints: [
        'what does socket.write() return when the client does not read, and what does your server do then?',
        "when write() returns false, pause() the socket until its 'drain' event",
        'it stopped reading, yet grew several times what it read? Joining every read onto what came before ' +
          'copies a 1 MiB frame again and again: join only once a header, or a whole frame, is in',
      ],
    },
    {
      ...manyAtOnce((random) => framesOf([random.bytes(1024)])),
      hints: [
        'does anything in your server wait for one client to finish before it answers another?',
        "each client gets its own socket and its own 'data' events; never serve clients in turn",
      ],
    },
    {
      ...resetMidRequest(
        (random) => frame(random.bytes(1000)).subarray(0, 500),
        (random) => [framesOf([random.bytes(100)])],
      ),
      hints: [
        'what does your server do when a read fails?',
        "a client's reset makes the next read fail with ECONNRESET; a socket with no 'error' listener throws " +
          'it, and the whole server exits',
      ],
    },
  ],
});
