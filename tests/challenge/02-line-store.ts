/**
 * Level 2, a line key-value store over TCP: SET, GET, and ERROR for anything else, one answer
 * line per request line, one store for every client. The attacks: the protocol; requests cut at
 * every byte and a 64 KiB line; 200 requests in one write; a store shared between connections;
 * ten clients behind a silent one; a slow reader whose GETs ask for 8 MiB, then half-closes; a
 * reset mid-request, after which the next client sets its own key and reads it back.
 */
import { defineLevel, type Random, scaled } from '../lib/attack.ts';
import {
  cutAtEveryByte,
  type Exchange,
  halfCloseSlowReader,
  manyAtOnce,
  REPLY_MS,
  resetMidRequest,
} from './attacks.ts';

const LINE_MAX = 64 * 1024;

/** Request lines and the answer lines due, as bytes. */
const exchange = (requests: string[], replies: string[]): Exchange => ({
  request: Buffer.from(requests.map((line) => `${line}\n`).join('')),
  reply: Buffer.from(replies.map((line) => `${line}\n`).join('')),
});

/** A client's own key, set: one request, one answer. */
const setOwn = (random: Random, index: number) =>
  exchange([`SET key${index}-${random.word(6)} ${random.word(12)}`], ['OK']);

/** A client's own key, set, then read back: two exchanges. */
const setThenGet = (random: Random, index: number) => {
  const key = `key${index}-${random.word(6)}`;
  const value = random.word(12);
  return [exchange([`SET ${key} ${value}`], ['OK']), exchange([`GET ${key}`], [`VALUE ${value}`])];
};

/** A client's own key, set and read back in one write. */
const setAndGet = (random: Random, index: number): Exchange => {
  const parts = setThenGet(random, index);
  return {
    request: Buffer.concat(parts.map((part) => part.request)),
    reply: Buffer.concat(parts.map((part) => part.reply)),
  };
};

/**
 * A key set and read back with a value in Hangul, three bytes a character in UTF-8: cut at every
 * byte, some cuts fall inside a character, which a server that decodes each read on its own breaks.
 */
const setAndGetHangul = (random: Random) => {
  const key = `key0-${random.word(6)}`;
  const value = `${random.word(4)}한글값`;
  return exchange([`SET ${key} ${value}`, `GET ${key}`], ['OK', `VALUE ${value}`]);
};

/** A SET line of exactly 64 KiB with its \n, and the GET that reads its value back: one write each. */
const fullLine = (random: Random) => {
  const key = random.word(6);
  const value = random.word(LINE_MAX - `SET ${key} \n`.length);
  return [exchange([`SET ${key} ${value}`], ['OK']), exchange([`GET ${key}`], [`VALUE ${value}`])];
};

export const LEVEL = defineLevel({
  protocol: 'tcp',
  notes: [
    '#25-read-and-write-a-byte-stream-not-messages-06-read-write',
    '#26-one-process-one-thread-many-clients-12-many-clients',
  ],
  attacks: [
    {
      name: 'protocol',
      claim: 'SET answers OK, GET answers VALUE with the whole value or NONE, anything else ERROR unknown command',
      hints: [
        'the value is the rest of the line after the key: can it hold spaces?',
        "split the line at its first two spaces only: 'SET k a b c' sets k to 'a b c'",
      ],
      async run(attack) {
        const peer = await attack.connect('a client');
        const key = attack.random.word(8);
        const value = `${attack.random.word(5)} with  two spaces and = signs`;
        const steps: Array<[string, string]> = [
          [`GET ${key}`, 'NONE'],
          [`SET ${key} ${value}`, 'OK'],
          [`GET ${key}`, `VALUE ${value}`],
          [`SET ${key} again`, 'OK'],
          [`GET ${key}`, 'VALUE again'],
          [`FETCH ${key}`, 'ERROR unknown command'],
          ['get lowercase', 'ERROR unknown command'],
        ];
        for (const [request, reply] of steps) {
          peer.write(`${request}\n`);
          await peer.expect(`${reply}\n`, scaled(REPLY_MS), `the answer to ${JSON.stringify(request)}`);
        }
      },
    },
    {
      ...cutAtEveryByte((random) => ({ cut: setAndGetHangul(random), long: fullLine(random) })),
      hints: [
        "a 'data' event delivers what one read() returned: here, one byte. Where does the rest of the line wait?",
        'keep the bytes after the last \\n for the next read; answer only lines that have ended',
      ],
    },
    {
      name: 'coalesced',
      claim: '200 requests in one write get 200 answers, in order',
      hints: [
        'one read() can return several lines: does your server answer each, or take the chunk for one?',
        'split what arrived at every \\n and answer each line in turn',
      ],
      async run(attack) {
        const peer = await attack.connect('a client that sends 200 requests at once');
        const parts = Array.from({ length: 100 }, (_, i) => setAndGet(attack.random, i));
        peer.write(Buffer.concat(parts.map((part) => part.request)));
        await peer.expect(Buffer.concat(parts.map((part) => part.reply)), scaled(REPLY_MS), 'the 200 answers');
      },
    },
    {
      name: 'shared-store',
      claim: 'a value set on one connection is read on the next',
      hints: [
        'where does your store live: in the connection handler, or once for the process?',
        "a Map declared inside createServer's callback is new for every client",
      ],
      async run(attack) {
        const writer = await attack.connect('the client that sets');
        const key = attack.random.word(8);
        const value = attack.random.word(16);
        writer.write(`SET ${key} ${value}\n`);
        await writer.expect('OK\n', scaled(REPLY_MS), 'the answer to SET');
        writer.socket.end();
        await writer.until(() => writer.closed, scaled(REPLY_MS), 'the server to close after our FIN');
        const reader = await attack.connect('the client that reads, once the first has gone');
        reader.write(`GET ${key}\n`);
        await reader.expect(`VALUE ${value}\n`, scaled(REPLY_MS), 'the value, read on another connection');
      },
    },
    {
      ...manyAtOnce(setOwn),
      hints: [
        'does anything in your server wait for one client to finish before it answers another?',
        "each client gets its own socket and its own 'data' events; never serve clients in turn",
      ],
    },
    {
      ...halfCloseSlowReader((random) => {
        // 128 GETs of a 60 KiB value: 7.5 MiB of answers to 61 KiB of requests, each request a write of its own.
        const key = random.word(6);
        const value = random.word(60 * 1024);
        const gets = Array.from({ length: 128 }, () => Buffer.from(`GET ${key}\n`));
        return {
          setup: Buffer.from(`SET ${key} ${value}\n`),
          parts: gets,
          reply: Buffer.from(`OK\n${`VALUE ${value}\n`.repeat(gets.length)}`),
        };
      }),
      hints: [
        "what happens to the answers your server has queued, but not yet sent, when the client's FIN arrives?",
        'end() sends what is queued, then a FIN; destroy() throws the queue away. With allowHalfOpen false, Node ' +
          "calls end() for you after 'end'.",
      ],
    },
    {
      // The next client reads back what it set: a server that glued the reset client's half line
      // to the front of the next one answers that SET with OK too, but sets the wrong key.
      ...resetMidRequest(
        (random) => Buffer.from(`SET ${random.word(6)} half a li`),
        (random) => setThenGet(random, 0),
      ),
      hints: [
        'what does your server do when a read fails?',
        "a client's reset makes the next read fail with ECONNRESET; a socket with no 'error' listener throws " +
          'it, and the whole server exits',
        "still up, yet the next client's own key reads NONE? Where does the unfinished part of a line wait: in " +
          'one place per connection, or one for the whole process?',
      ],
    },
  ],
});
