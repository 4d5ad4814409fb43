/**
 * Level 1, echo (RFC 862 over TCP): every byte that arrives goes back unchanged. The attacks: all
 * 256 byte values; ten clients behind a silent one; a slow reader that sends 8 MiB and
 * half-closes; a client that never reads; a reset mid-request.
 */
import { defineLevel, MIB } from '../lib/attack.ts';
import { type Exchange, halfCloseSlowReader, manyAtOnce, neverReads, REPLY_MS, resetMidRequest } from './attacks.ts';
import { END_OR_DESTROY_HINT, IN_TURN_HINTS, RESET_HINTS } from './hints.ts';
import { scaled } from '../lib/attack.ts';

/** The 8 MiB go out in writes of 1 MiB, each once the server has read the one before. */
const SLICE = MIB;

/** An echo's reply is its request. */
const echoOf = (request: Buffer): Exchange => ({ request, reply: request });

export const LEVEL = defineLevel({
  protocol: 'tcp',
  title: { ko: '에코' },
  notes: [
    '#25-read-and-write-a-byte-stream-not-messages-06-read-write',
    '#26-one-process-one-thread-many-clients-12-many-clients',
    '#43-tcp-against-udp-measured-11-tcp-vs-udp',
  ],
  attacks: [
    {
      name: 'binary',
      claim: {
        en: 'every byte value, 0 to 255, comes back unchanged',
        ko: '0부터 255까지 모든 바이트 값이 바뀌지 않고 그대로 돌아온다',
      },
      hints: [
        {
          en: 'compare what you write back with what arrived, byte for byte: is anything turned into text on the way?',
          ko: '돌려보내는 것과 도착한 것을 바이트 하나하나 비교해 보세요. 중간에 텍스트(문자열)로 바뀌는 곳이 있나요?',
        },
        {
          en:
            'setEncoding() and toString() decode bytes as UTF-8; a byte such as 0xff is not valid UTF-8 and becomes ' +
            'the three bytes ef bf bd. Keep the Buffer.',
          ko:
            'setEncoding()과 toString()은 바이트를 UTF-8로 디코딩합니다. 0xff 같은 바이트는 올바른 UTF-8이 아니어서 ' +
            'ef bf bd 세 바이트로 바뀝니다. Buffer를 그대로 쓰세요.',
        },
      ],
      async run(attack) {
        const peer = await attack.connect('a client');
        const values = () => attack.random.shuffle(Array.from({ length: 256 }, (_, value) => value));
        const bytes = Buffer.from([...values(), ...values(), ...values(), ...values()]);
        peer.write(bytes);
        await peer.expect(bytes, scaled(REPLY_MS), 'the echo of all 256 byte values');
      },
    },
    {
      ...manyAtOnce((random) => echoOf(random.text(1024))),
      hints: IN_TURN_HINTS,
    },
    {
      ...halfCloseSlowReader((random) => {
        const bytes = random.text(8 * MIB);
        const slices = Array.from({ length: bytes.length / SLICE }, (_, i) =>
          bytes.subarray(i * SLICE, (i + 1) * SLICE),
        );
        return { parts: slices, reply: bytes };
      }),
      hints: [
        {
          en: "what happens to the bytes your server has queued, but not yet sent, when the client's FIN arrives?",
          ko: '클라이언트의 FIN이 도착했을 때, 서버가 큐에 넣었지만 아직 보내지 못한 바이트는 어떻게 되나요?',
        },
        END_OR_DESTROY_HINT,
      ],
    },
    {
      // Measured: the reference solution peaks about 1 MiB above its start, one that keeps its echo 60 MiB.
      ...neverReads((random) => ({ part: random.text(MIB), times: 64 }), 24),
      hints: [
        {
          en: 'what does socket.write() return when the client does not read, and what does your server do then?',
          ko: '클라이언트가 읽지 않을 때 socket.write()는 무엇을 돌려주나요? 그때 서버는 무엇을 하나요?',
        },
        {
          en:
            "when write() returns false, stop reading from that client (pause()) until 'drain'; socket.pipe(socket) " +
            'does exactly that',
          ko:
            "write()가 false를 돌려주면 'drain' 이벤트가 올 때까지 그 클라이언트에게서 읽기를 멈추세요(pause()). " +
            'socket.pipe(socket)가 정확히 그렇게 합니다.',
        },
      ],
    },
    {
      ...resetMidRequest(
        (random) => random.text(100),
        (random) => [echoOf(random.text(100))],
      ),
      hints: RESET_HINTS,
    },
  ],
});
