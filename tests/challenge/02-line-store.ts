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
import { CUT_LINE_HINTS, END_OR_DESTROY_HINT, IN_TURN_HINTS, RESET_HINTS } from './hints.ts';

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
  title: { ko: '한 줄 단위 키-값 저장소' },
  notes: [
    '#25-read-and-write-a-byte-stream-not-messages-06-read-write',
    '#26-one-process-one-thread-many-clients-12-many-clients',
  ],
  attacks: [
    {
      name: 'protocol',
      claim: {
        en: 'SET answers OK, GET answers VALUE with the whole value or NONE, anything else ERROR unknown command',
        ko: 'SET에는 OK로, GET에는 값 전체를 담은 VALUE나 NONE으로, 그 밖의 명령에는 ERROR unknown command로 답한다',
      },
      hints: [
        {
          en: 'the value is the rest of the line after the key: can it hold spaces?',
          ko: '값은 줄에서 키 뒤의 나머지 전부입니다. 값에 공백이 들어갈 수 있나요?',
        },
        {
          en: "split the line at its first two spaces only: 'SET k a b c' sets k to 'a b c'",
          ko: "줄은 처음 두 공백에서만 나누세요. 'SET k a b c'는 k를 'a b c'로 정합니다.",
        },
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
      hints: CUT_LINE_HINTS,
    },
    {
      name: 'coalesced',
      claim: {
        en: '200 requests in one write get 200 answers, in order',
        ko: 'write 한 번에 몰아 보낸 요청 200개가 순서대로 답 200개를 받는다',
      },
      hints: [
        {
          en: 'one read() can return several lines: does your server answer each, or take the chunk for one?',
          ko:
            'read() 한 번이 여러 줄을 돌려줄 수 있습니다. 서버는 줄마다 답하나요, 아니면 덩어리 전체를 한 줄로 ' +
            '여기나요?',
        },
        {
          en: 'split what arrived at every \\n and answer each line in turn',
          ko: '도착한 것을 \\n마다 나누고 한 줄씩 차례로 답하세요.',
        },
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
      claim: {
        en: 'a value set on one connection is read on the next',
        ko: '한 연결에서 넣은 값을 다음 연결에서 읽을 수 있다',
      },
      hints: [
        {
          en: 'where does your store live: in the connection handler, or once for the process?',
          ko: '저장소는 어디에 있나요? 연결 핸들러 안인가요, 아니면 프로세스 전체에 하나인가요?',
        },
        {
          en: "a Map declared inside createServer's callback is new for every client",
          ko: 'createServer의 콜백 안에서 선언한 Map은 클라이언트마다 새로 만들어집니다.',
        },
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
      hints: IN_TURN_HINTS,
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
        {
          en: "what happens to the answers your server has queued, but not yet sent, when the client's FIN arrives?",
          ko: '클라이언트의 FIN이 도착했을 때, 서버가 큐에 넣었지만 아직 보내지 못한 답은 어떻게 되나요?',
        },
        END_OR_DESTROY_HINT,
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
        ...RESET_HINTS,
        {
          en:
            "still up, yet the next client's own key reads NONE? Where does the unfinished part of a line wait: in " +
            'one place per connection, or one for the whole process?',
          ko:
            '서버는 살아 있는데 다음 클라이언트가 자기가 넣은 키를 읽으면 NONE인가요? 끝나지 않은 줄의 일부는 어디서 ' +
            '기다리나요? 연결마다 한 곳인가요, 프로세스 전체에 한 곳인가요?',
        },
      ],
    },
  ],
});
