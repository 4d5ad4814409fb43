/**
 * Level 3, length-prefixed frames over TCP: a 4-byte big-endian length, then that many bytes;
 * each frame is answered with its bytes reversed. The attacks: the protocol (empty and binary
 * frames); frames cut at every byte, and one of 1 MiB; 100 frames in one write; 64 frames of
 * 1 MiB to a client that never reads; ten clients behind a silent one; a reset mid-frame.
 */
import { defineLevel, MIB, type Random, scaled } from '../lib/attack.ts';
import { cutAtEveryByte, type Exchange, manyAtOnce, neverReads, REPLY_MS, resetMidRequest } from './attacks.ts';
import { IN_TURN_HINTS, RESET_HINTS } from './hints.ts';

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
  title: { ko: '길이 접두사가 붙은 프레임, 뒤집어서 답하기' },
  notes: [
    '#25-read-and-write-a-byte-stream-not-messages-06-read-write',
    '#43-tcp-against-udp-measured-11-tcp-vs-udp',
    '#26-one-process-one-thread-many-clients-12-many-clients',
  ],
  attacks: [
    {
      name: 'protocol',
      claim: {
        en: 'each frame, empty or binary, is answered with a frame of its bytes reversed',
        ko: '비어 있든 바이너리든, 프레임마다 바이트 순서를 뒤집은 프레임으로 답한다',
      },
      hints: [
        {
          en: 'which frames does your server answer: all of them, even one of length 0?',
          ko: '서버는 어떤 프레임에 답하나요? 길이가 0인 프레임까지 모두 답하나요?',
        },
        {
          en: 'a 0-length frame is answered with a 0-length frame: the 4 bytes 00 00 00 00',
          ko: '길이 0인 프레임에는 길이 0인 프레임, 곧 4바이트 00 00 00 00으로 답합니다.',
        },
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
        {
          en: "what does your server do with a 'data' chunk shorter than a header?",
          ko: "헤더보다 짧은 'data' 조각이 오면 서버는 무엇을 하나요?",
        },
        {
          en: 'keep every byte that is not yet a whole frame, header included, and look again after the next read',
          ko: '아직 온전한 프레임이 되지 않은 바이트는 헤더까지 모두 남겨 두고, 다음 읽기 뒤에 다시 살펴보세요.',
        },
      ],
    },
    {
      name: 'coalesced',
      claim: {
        en: '100 frames in one write get 100 answers, in order',
        ko: 'write 한 번에 몰아 보낸 프레임 100개가 순서대로 답 100개를 받는다',
      },
      hints: [
        {
          en: 'one read can hold several frames: what happens to the bytes after the first?',
          ko: '읽기 한 번에 프레임이 여러 개 들어 있을 수 있습니다. 첫 프레임 뒤의 바이트는 어떻게 되나요?',
        },
        {
          en: 'after answering a frame, look for the next one in what is left, before waiting for another read',
          ko: '프레임 하나에 답한 뒤에는, 다음 읽기를 기다리기 전에 남은 바이트에서 다음 프레임을 찾으세요.',
        },
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
        {
          en: 'what does socket.write() return when the client does not read, and what does your server do then?',
          ko: '클라이언트가 읽지 않을 때 socket.write()는 무엇을 돌려주나요? 그때 서버는 무엇을 하나요?',
        },
        {
          en: "when write() returns false, pause() the socket until its 'drain' event",
          ko: "write()가 false를 돌려주면 'drain' 이벤트가 올 때까지 소켓을 pause()하세요.",
        },
        {
          en:
            'it stopped reading, yet grew several times what it read? Joining every read onto what came before ' +
            'copies a 1 MiB frame again and again: join only once a header, or a whole frame, is in',
          ko:
            '읽기는 멈췄는데 메모리가 읽은 양의 몇 배로 늘었나요? 읽을 때마다 앞서 온 것에 이어 붙이면 1 MiB ' +
            '프레임을 거듭 복사하게 됩니다. 헤더나 프레임 전체가 다 들어온 다음에 한 번만 이어 붙이세요.',
        },
      ],
    },
    {
      ...manyAtOnce((random) => framesOf([random.bytes(1024)])),
      hints: IN_TURN_HINTS,
    },
    {
      ...resetMidRequest(
        (random) => frame(random.bytes(1000)).subarray(0, 500),
        (random) => [framesOf([random.bytes(100)])],
      ),
      hints: RESET_HINTS,
    },
  ],
});
