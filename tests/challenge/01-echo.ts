/**
 * Level 1, echo (RFC 862 over TCP): every byte that arrives goes back unchanged. The attacks: all
 * 256 byte values; ten clients behind a silent one; a slow reader that sends 8 MiB and
 * half-closes; a client that never reads; a reset mid-request.
 */
import { defineLevel, MIB } from '../lib/attack.ts';
import { type Exchange, halfCloseSlowReader, manyAtOnce, neverReads, REPLY_MS, resetMidRequest } from './attacks.ts';
import { scaled } from '../lib/attack.ts';

/** The 8 MiB go out in writes of 1 MiB, each once the server has read the one before. */
const SLICE = MIB;

/** An echo's reply is its request. */
const echoOf = (request: Buffer): Exchange => ({ request, reply: request });

export const LEVEL = defineLevel({
  protocol: 'tcp',
  notes: [
    '#25-read-and-write-a-byte-stream-not-messages-06-read-write',
    '#26-one-process-one-thread-many-clients-12-many-clients',
    '#43-tcp-against-udp-measured-11-tcp-vs-udp',
  ],
  attacks: [
    {
      name: 'binary',
      claim: 'every byte value, 0 to 255, comes back unchanged',
      hints: [
        'compare what you write back with what arrived, byte for byte: is anything turned into text on the way?',
        'setEncoding() and toString() decode bytes as UTF-8; a byte such as 0xff is not valid UTF-8 and becomes ' +
          'the three bytes ef bf bd. Keep the Buffer.',
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
      hints: [
        'does anything in your server wait for one client to finish before it answers another?',
        "each client gets its own socket and its own 'data' events; a server that serves clients in turn is held " +
          'up by the first one that sends nothing',
      ],
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
        "what happens to the bytes your server has queued, but not yet sent, when the client's FIN arrives?",
        'end() sends what is queued, then a FIN; destroy() throws the queue away. With allowHalfOpen false, Node ' +
          "calls end() for you after 'end'.",
      ],
    },
    {
      // Measured: the reference solution peaks about 1 MiB above its start, one that keeps its echo 60 MiB.
      ...neverReads((random) => ({ part: random.text(MIB), times: 64 }), 24),
      hints: [
        'what does socket.write() return when the client does not read, and what does your server do then?',
        "when write() returns false, stop reading from that client (pause()) until 'drain'; socket.pipe(socket) " +
          'does exactly that',
      ],
    },
    {
      ...resetMidRequest(
        (random) => random.text(100),
        (random) => [echoOf(random.text(100))],
      ),
      hints: [
        'what does your server do when a read fails?',
        "a client's reset makes the next read fail with ECONNRESET; a socket with no 'error' listener throws " +
          'it, and the whole server exits',
      ],
    },
  ],
});
