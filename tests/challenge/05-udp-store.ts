/**
 * Level 5, a key-value store over UDP: `key=value` sets (no reply), `key` asks (one datagram
 * back, `key=value`), `version` answers and cannot be set. The attacks: the protocol, from a
 * socket that sets and another that asks; no reply to a set; the version; ten clients, each
 * answered at its own address.
 */
import { type Attack, AttackFailure, defineLevel, scaled } from '../lib/attack.ts';
import { REPLY_MS } from './attacks.ts';

/** The largest datagram the protocol allows. */
const DATAGRAM_MAX = 1000;

/** Sets go from one socket and queries from another: a server that wrongly answers a set confuses neither. */
async function setterAndAsker(attack: Attack) {
  const setter = await attack.datagramPeer('the client that sets');
  const asker = await attack.datagramPeer('the client that asks');
  const { port } = attack.server;
  // A set has no reply to wait for; the query after it, from another socket, may overtake it
  // only if the kernel reordered loopback datagrams, which it does not.
  const set = (text: string) => setter.send(port, text);
  const ask = (key: string, value: string) =>
    asker.ask(port, key, `${key}=${value}`, scaled(REPLY_MS), `the answer to the query ${JSON.stringify(key)}`);
  return { set, ask };
}

export const LEVEL = defineLevel({
  protocol: 'udp',
  title: { ko: 'UDP 키-값 저장소' },
  serverPerStep: true,
  notes: ['#42-udp-fire-and-forget-10-udp-fire-and-forget', '#43-tcp-against-udp-measured-11-tcp-vs-udp'],
  attacks: [
    {
      name: 'protocol',
      claim: {
        en: 'a set changes the value (everything after the first =), a query answers key=value, or key= if unset',
        ko: '값 넣기(set)는 값을 바꾸고(첫 = 뒤의 전부), 질의(query)에는 key=value로, 값이 없으면 key=로 답한다',
      },
      hints: [
        {
          en: "which '=' splits a set into key and value, and what happens to the others?",
          ko: "어느 '='가 넣기 요청을 키와 값으로 나누나요? 나머지 '='는 어떻게 되나요?",
        },
        {
          en: "split at the first '=' only: `k=a=b` sets k to `a=b`",
          ko: "첫 '='에서만 나누세요. `k=a=b`는 k를 `a=b`로 정합니다.",
        },
      ],
      async run(attack) {
        const { set, ask } = await setterAndAsker(attack);
        const key = attack.random.word(8);
        await ask(key, '');
        set(`${key}=first`);
        await ask(key, 'first');
        set(`${key}=a=b==c`);
        await ask(key, 'a=b==c');
        // The largest datagram: key, '=' and a value, 1,000 bytes in all.
        const long = attack.random.word(DATAGRAM_MAX - key.length - 1);
        set(`${key}=${long}`);
        await ask(key, long);
      },
    },
    {
      name: 'no-reply-to-set',
      claim: {
        en: 'a set gets no reply: the first datagram back is the answer to the query that follows it',
        ko: '넣기에는 답하지 않는다: 처음 돌아오는 데이터그램은 그 뒤에 보낸 질의의 답이다',
      },
      hints: [
        {
          en: 'what does your server send back when a datagram sets a key?',
          ko: '데이터그램이 키에 값을 넣을 때 서버는 무엇을 돌려보내나요?',
        },
        {
          en: 'nothing: only a query is answered. A client reads the next datagram that comes as its answer.',
          ko:
            '아무것도 보내지 않습니다. 답은 질의에만 합니다. 클라이언트는 다음에 오는 데이터그램을 자기 답으로 ' +
            '읽습니다.',
        },
      ],
      async run(attack) {
        const client = await attack.datagramPeer('a client that sets, then asks');
        const key = attack.random.word(8);
        client.send(attack.server.port, `${key}=set`);
        await client.ask(
          attack.server.port,
          key,
          `${key}=set`,
          scaled(REPLY_MS),
          'the answer to the query after a set',
        );
      },
    },
    {
      name: 'version',
      claim: {
        en: 'version answers a non-empty text, and a client cannot set it',
        ko: 'version은 비어 있지 않은 텍스트로 답하고, 클라이언트가 바꿀 수 없다',
      },
      hints: [
        {
          en: 'what does your server do with the datagram `version=mine`?',
          ko: '서버는 데이터그램 `version=mine`을 어떻게 처리하나요?',
        },
        {
          en: 'the version is not in the store: a set of the key version is ignored',
          ko: 'version은 저장소에 들어 있지 않습니다. 키 version에 값을 넣는 요청은 무시합니다.',
        },
      ],
      async run(attack) {
        const { set } = await setterAndAsker(attack);
        const asker = await attack.datagramPeer('the client that asks for the version');
        const ask = async () => {
          asker.send(attack.server.port, 'version');
          return (await asker.next(scaled(REPLY_MS), 'the answer to the query "version"')).toString();
        };
        const before = await ask();
        if (!/^version=.+$/s.test(before))
          throw new Error(`the query "version" was answered ${JSON.stringify(before)}, not version= and some text`);
        const forged = `forged-${attack.random.word(6)}`;
        set(`version=${forged}`);
        const after = await ask();
        if (after !== before)
          throw new Error(`after a client sent version=${forged}, the version answered ${JSON.stringify(after)}`);
      },
    },
    {
      name: 'many-clients',
      claim: {
        en: 'ten clients asking at once each get their own answer, at their own address',
        ko: '한꺼번에 묻는 클라이언트 10개가 저마다 자기 주소로 자기 답을 받는다',
      },
      hints: [
        {
          en: 'where does your server send a reply: to whom the datagram came from, or somewhere else?',
          ko: '서버는 답을 어디로 보내나요? 데이터그램을 보낸 쪽인가요, 다른 곳인가요?',
        },
        {
          en: "reply to the address and port of the 'message' event's second argument, for each datagram",
          ko: "데이터그램마다 'message' 이벤트의 두 번째 인자에 있는 주소와 포트로 답하세요.",
        },
      ],
      async run(attack) {
        const { set } = await setterAndAsker(attack);
        const clients = await Promise.all(Array.from({ length: 10 }, (_, i) => attack.datagramPeer(`client ${i + 1}`)));
        const keys = clients.map((_, i) => `key${i}-${attack.random.word(6)}`);
        for (const [i, key] of keys.entries()) set(`${key}=value ${i}`);
        // Each asks for its own key once every set has gone out (loopback keeps their order).
        await Promise.all(
          clients.map((client, i) =>
            client.ask(
              attack.server.port,
              keys[i],
              `${keys[i]}=value ${i}`,
              scaled(REPLY_MS),
              `${client.label}'s answer`,
            ),
          ),
        ).catch((error: AttackFailure) => {
          // Where the answers went instead: datagrams a socket received but never asked for.
          const strays = attack.datagramPeers.filter((peer) => peer.unread() > 0);
          const where = strays.map((peer) => `${peer.label} received ${peer.unread()} it never asked for`);
          throw new AttackFailure([error.message, ...where].join('; '), error.wire);
        });
      },
    },
  ],
});
