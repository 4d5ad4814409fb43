/**
 * The attacks that every TCP level makes, each on the level's own requests: many clients at once
 * behind a silent one, a request cut at every byte, a reset mid-request, a client that never
 * reads, and a half-close by a client that reads at its own pace.
 */
import { readTable } from '../../scripts/lib/proc-net.ts';
import { memoryOf } from '../../scripts/lib/proc-stat.ts';
import { untilTrue } from '../../scripts/lib/wait.ts';
import { type Attack, AttackFailure, MIB, type Peer, type Random, scaled } from '../lib/attack.ts';

/** One request of a level's protocol and the reply it is due. */
export interface Exchange {
  request: Buffer;
  reply: Buffer;
}

/** A level's fresh exchange for client number `index`, drawn from the attack's randomness. */
export type ExchangeMaker = (random: Random, index: number) => Exchange;

/** How long a small reply may take: a round trip on loopback is well under a millisecond. */
export const REPLY_MS = 2000;
/** How long an attack that moves mebibytes may take. */
export const BULK_MS = 10_000;

/** Both ends of `peer`'s connection in /proc/net/tcp: its own row and the server's. */
async function rowsOf(attack: Attack, peer: Peer) {
  const rows = await readTable('tcp', [peer.localPort]);
  return {
    ours: rows.find((row) => row.localPort === peer.localPort && row.remotePort === attack.server.port),
    theirs: rows.find((row) => row.localPort === attack.server.port && row.remotePort === peer.localPort),
  };
}

/**
 * Waits until the server has read every byte `peer` sent: nothing unacknowledged on our side
 * (tx_queue) and nothing unread on the server's (rx_queue), as the kernel counts them.
 */
export async function untilServerRead(attack: Attack, peer: Peer, ms: number, what: string): Promise<void> {
  const read = async () => {
    const { ours, theirs } = await rowsOf(attack, peer);
    return peer.socket.writableLength === 0 && ours?.txQueue === 0 && theirs?.rxQueue === 0;
  };
  await untilTrue(read, ms, what, 1).catch((error: Error) => {
    throw new AttackFailure(error.message, peer.wire());
  });
}

export function manyAtOnce(exchange: ExchangeMaker, clients = 10) {
  return {
    name: 'many-at-once',
    claim: `${clients} clients are answered at once while a silent client holds a connection`,
    async run(attack: Attack) {
      // Connected first and accepted first: a server that serves one client at a time serves this one.
      await attack.connect('a silent client');
      const peers = await Promise.all(Array.from({ length: clients }, (_, i) => attack.connect(`client ${i + 1}`)));
      await Promise.all(
        peers.map((peer, i) => {
          const { request, reply } = exchange(attack.random, i);
          peer.write(request);
          return peer.expect(reply, scaled(REPLY_MS), `${peer.label}'s reply while the silent client waits`);
        }),
      );
    },
  };
}

export function cutAtEveryByte(exchanges: (random: Random) => Exchange) {
  return {
    name: 'cut-at-every-byte',
    claim: 'requests cut at every byte (each byte read on its own) are answered whole',
    async run(attack: Attack) {
      const peer = await attack.connect('a client that sends one byte at a time');
      peer.socket.setNoDelay(true);
      const { request, reply } = exchanges(attack.random);
      for (let i = 0; i < request.length; i++) {
        peer.write(request.subarray(i, i + 1));
        await untilServerRead(attack, peer, scaled(REPLY_MS), `the server to read byte ${i} of the requests`);
      }
      await peer.expect(reply, scaled(REPLY_MS), 'the replies to requests that arrived one byte at a time');
    },
  };
}

export function resetMidRequest(partial: (random: Random) => Buffer, exchange: ExchangeMaker) {
  return {
    name: 'reset-mid-request',
    claim: 'a client that resets mid-request costs the server that connection only; the next client is answered',
    async run(attack: Attack) {
      const victim = await attack.connect('a client that resets');
      victim.write(partial(attack.random));
      await untilServerRead(attack, victim, scaled(REPLY_MS), 'the server to read the first part of the request');
      // An RST instead of a FIN: the server's next read() fails with ECONNRESET.
      victim.socket.resetAndDestroy();
      await attack.serverBackToStart(
        scaled(REPLY_MS),
        "the server to close the reset connection's descriptor (or to exit)",
      );
      const next = await attack.connect('the next client');
      const { request, reply } = exchange(attack.random, 0);
      next.write(request);
      await next.expect(reply, scaled(REPLY_MS), "the next client's reply");
    },
  };
}

/**
 * Reads one slice at a time (what Node holds, at most 64 KiB), and only when the server waits
 * in epoll_wait: slower than any server writes, so its output backs up into its kernel buffers.
 */
async function readSlowlyUntil(attack: Attack, peer: Peer, done: () => boolean, ms: number, what: string) {
  const deadline = performance.now() + ms;
  while (!done()) {
    if (performance.now() > deadline)
      throw new AttackFailure(`timed out after ${ms} ms waiting for ${what}`, peer.wire());
    await untilTrue(() => done() || attack.serverWaits(), ms, what, 1);
    peer.socket.read();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export function halfCloseSlowReader(bulk: (random: Random) => Exchange) {
  return {
    name: 'half-close',
    claim: 'a client that sends megabytes, reads at its own pace and half-closes gets every reply before the close',
    async run(attack: Attack) {
      const peer = await attack.connect('a slow reader that half-closes');
      peer.socket.pause();
      const { request, reply } = bulk(attack.random);
      const slice = 64 * 1024;
      for (let offset = 0; offset < request.length; offset += slice) {
        if (peer.write(request.subarray(offset, offset + slice))) continue;
        await readSlowlyUntil(
          attack,
          peer,
          () => !peer.socket.writableNeedDrain,
          scaled(BULK_MS),
          'the server to read',
        );
      }
      // end(): shutdown(SHUT_WR), our FIN after the last byte. The server may still write.
      peer.socket.end();
      const allBack = () => peer.receivedBytes >= reply.length || peer.ended || peer.closed;
      await readSlowlyUntil(attack, peer, allBack, scaled(BULK_MS), 'every reply to come back');
      await peer.expect(reply, scaled(REPLY_MS), 'every reply before the server closed');
      peer.socket.resume();
      await peer.until(() => peer.ended || peer.closed, scaled(REPLY_MS), "the server's FIN after every reply");
    },
  };
}

export function neverReads(request: (random: Random) => { chunk: Buffer; times: number }, boundMib: number) {
  return {
    name: 'never-reads',
    claim: `a client that sends without ever reading does not grow the server's memory by more than ${boundMib} MiB`,
    async run(attack: Attack) {
      const peer = await attack.connect('a client that never reads');
      peer.socket.pause();
      const { chunk, times } = request(attack.random);
      // The same buffer queued again and again: it costs this process nothing more.
      for (let i = 0; i < times; i++) peer.write(chunk);
      // Done when the server waits with bytes it will not read (its receive queue non-empty), or took everything.
      const settled = async () => {
        if (!attack.serverWaits()) return false;
        const { ours, theirs } = await rowsOf(attack, peer);
        const tookAll = peer.socket.writableLength === 0 && ours?.txQueue === 0 && theirs?.rxQueue === 0;
        return ((theirs?.rxQueue ?? 0) > 0 || tookAll) && attack.serverWaits();
      };
      await untilTrue(settled, scaled(BULK_MS), 'the server to stop reading, or to take everything', 10).catch(
        (error: Error) => {
          throw new AttackFailure(error.message);
        },
      );
      const grown = (memoryOf(attack.server.pid, 'VmHWM') - attack.server.startHwm) / MIB;
      const taken = (peer.sentBytes - peer.socket.writableLength) / MIB;
      if (grown > boundMib)
        throw new AttackFailure(
          `while ${peer.label} read nothing, the server's peak memory (VmHWM) grew by ${grown.toFixed(1)} MiB ` +
            `(bound ${boundMib} MiB) as it took ${taken.toFixed(1)} of ${(peer.sentBytes / MIB).toFixed(1)} MiB: ` +
            'it kept its replies in its own memory instead of waiting for the client',
        );
    },
  };
}
