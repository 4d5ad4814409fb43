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
  serverPerStep: true,
  notes: ['#42-udp-fire-and-forget-10-udp-fire-and-forget', '#43-tcp-against-udp-measured-11-tcp-vs-udp'],
  attacks: [
    {
      name: 'protocol',
      claim: 'a set changes the value (everything after the first =), a query answers key=value, or key= if unset',
      hints: [
        "which '=' splits a set into key and value, and what happens to the others?",
        "split at the first '=' only: `k=a=b` sets k to `a=b`",
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
      claim: 'a set gets no reply: the first datagram back is the answer to the query that follows it',
      hints: [
        'what does your server send back when a datagram sets a key?',
        'nothing: only a query is answered. A client reads the next datagram that comes as its answer.',
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
      claim: 'version answers a non-empty text, and a client cannot set it',
      hints: [
        'what does your server do with the datagram `version=mine`?',
        'the version is not in the store: a set of the key version is ignored',
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
      claim: 'ten clients asking at once each get their own answer, at their own address',
      hints: [
        'where does your server send a reply: to whom the datagram came from, or somewhere else?',
        "reply to the address and port of the 'message' event's second argument, for each datagram",
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
