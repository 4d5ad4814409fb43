/**
 * The attacks that every TCP level makes, each on the level's own requests: many clients at once
 * behind a silent one, a request cut at every byte, a reset mid-request, a client that never
 * reads, and a half-close by a client that reads at its own pace.
 */
import { readTable } from '../../scripts/lib/proc-net.ts';
import { memoryOf, readProcessStat } from '../../scripts/lib/proc-stat.ts';
import { untilTrue } from '../../scripts/lib/wait.ts';
import { type Attack, AttackFailure, MIB, type Peer, type Random, scaled } from '../lib/attack.ts';

/** One request of a level's protocol and the reply it is due. */
export interface Exchange {
  request: Buffer;
  reply: Buffer;
}

/** A level's fresh exchange for client number `index`, drawn from the attack's randomness. */
export type ExchangeMaker = (random: Random, index: number) => Exchange;

/** NOTES.md §2.6 (12-many-clients): write()'s false and 'drain', a client that does not read, EMFILE. */
export const MANY_CLIENTS_SECTION = '#26-one-process-one-thread-many-clients-12-many-clients';

/** How long a small reply may take: a round trip on loopback is well under a millisecond. */
export const REPLY_MS = 2000;
/** How long an attack that moves mebibytes may take. */
export const BULK_MS = 10_000;
/**
 * How often kernel state without an event (a queue in /proc/net/tcp, where a process sleeps) is
 * looked at: each look reads the whole table, so not more often than this.
 */
const POLL_MS = 10;

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
  await untilTrue(() => serverHasRead(attack, peer), ms, what, POLL_MS).catch((error: Error) => {
    throw new AttackFailure(error.message, peer.wire());
  });
}

/** Sends `bytes` one at a time, each once the server has read the one before. */
export async function byteByByte(attack: Attack, peer: Peer, bytes: Buffer, what: string): Promise<void> {
  for (let i = 0; i < bytes.length; i++) {
    peer.write(bytes.subarray(i, i + 1));
    await untilServerRead(attack, peer, scaled(REPLY_MS), `the server to read byte ${i} of ${what}`);
  }
}

export function manyAtOnce(exchange: ExchangeMaker, clients = 10) {
  return {
    name: 'many-at-once',
    claim: {
      en: `${clients} clients are answered at once while a silent client holds a connection`,
      ko: `말없는 클라이언트 하나가 연결을 붙잡고 있는 동안에도 클라이언트 ${clients}개가 한꺼번에 답을 받는다`,
    },
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

/**
 * Requests sent one byte at a time, each byte read by the server before the next is sent; then,
 * where the level gives them, requests too long for one read, each sent in one write once the
 * one before is answered.
 */
export function cutAtEveryByte(make: (random: Random) => { cut: Exchange; long: Exchange[] }) {
  return {
    name: 'cut-at-every-byte',
    claim: {
      en: 'requests cut at every byte, or too long for one read, are answered whole',
      ko: '바이트마다 잘라 보낸 요청이나 읽기 한 번에 다 담기지 않는 긴 요청에도 온전한 답이 온다',
    },
    async run(attack: Attack) {
      const peer = await attack.connect('a client that sends one byte at a time');
      peer.socket.setNoDelay(true);
      const { cut, long } = make(attack.random);
      await byteByByte(attack, peer, cut.request, 'the requests');
      await peer.expect(cut.reply, scaled(REPLY_MS), 'the answers to requests that arrived one byte at a time');
      for (const { request, reply } of long) {
        peer.write(request);
        await peer.expect(reply, scaled(REPLY_MS), `the answer to a request of ${request.length} bytes in one write`);
      }
    },
  };
}

/**
 * Delivers `bytes` (at most 64 KiB, what Node reads at once) to the server in one read: the
 * server is stopped (SIGSTOP) while the kernel queues them all, then let go (SIGCONT).
 */
async function inOneRead(attack: Attack, peer: Peer, bytes: Buffer): Promise<void> {
  const { pid } = attack.server;
  const stateIs = (wanted: (state: string | undefined) => boolean, what: string) =>
    untilTrue(() => wanted(readProcessStat(pid)?.state), scaled(REPLY_MS), what, POLL_MS);
  process.kill(pid, 'SIGSTOP');
  try {
    // T: stopped by the signal; t: the same stop in a process a tracer (strace) is attached to, where a
    // group-stop is a ptrace-stop (ptrace(2); the letters: proc_pid_stat(5)).
    const stopped = (state: string | undefined) => state === undefined || state === 'T' || state === 't';
    await stateIs(stopped, `pid ${pid} to stop (SIGSTOP)`);
    peer.write(bytes);
    const queued = async () => {
      const { ours, theirs } = await rowsOf(attack, peer);
      return peer.socket.writableLength === 0 && ours?.txQueue === 0 && theirs?.rxQueue === bytes.length;
    };
    await untilTrue(
      queued,
      scaled(REPLY_MS),
      `the kernel to queue ${bytes.length} bytes for the stopped server`,
      POLL_MS,
    );
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}

/** Waits until the server no longer holds the socket `inode` (closed it, or exited). */
export async function untilServerLetsGo(attack: Attack, inode: number, what: string): Promise<void> {
  await untilTrue(() => !attack.serverHolds([inode]), scaled(REPLY_MS), what, POLL_MS).catch((error: Error) => {
    throw new AttackFailure(error.message);
  });
}

/**
 * A client sends part of a request and resets; then the next client sends `next`'s requests, each
 * once the one before is answered (so that no two share a read).
 */
export function resetMidRequest(partial: (random: Random) => Buffer, next: (random: Random) => Exchange[]) {
  return {
    name: 'reset-mid-request',
    claim: {
      en: 'a client that resets mid-request costs the server that connection only; the next client is answered',
      ko:
        '요청을 보내다 말고 리셋한 클라이언트 때문에 서버가 잃는 것은 그 연결 하나뿐이다: 다음 클라이언트는 답을 ' +
        '받는다',
    },
    async run(attack: Attack) {
      const victim = await attack.connect('a client that resets');
      victim.write(partial(attack.random));
      await untilServerRead(attack, victim, scaled(REPLY_MS), 'the server to read the first part of the request');
      const [inode] = await attack.serverInodes([victim]);
      // An RST instead of a FIN: the server's next read() fails with ECONNRESET.
      victim.socket.resetAndDestroy();
      await untilServerLetsGo(attack, inode, "the server to close the reset connection's socket (or to exit)");
      const peer = await attack.connect('the next client');
      for (const { request, reply } of next(attack.random)) {
        peer.write(request);
        await peer.expect(reply, scaled(REPLY_MS), "the next client's reply");
      }
    },
  };
}

/** Whether the server has read every byte `peer` sent (see untilServerRead). */
async function serverHasRead(attack: Attack, peer: Peer): Promise<boolean> {
  attack.assertServerRuns();
  // Bytes still queued in this process have not reached the kernel yet: no need to read the table.
  if (peer.socket.writableLength > 0) return false;
  const { ours, theirs } = await rowsOf(attack, peer);
  return ours?.txQueue === 0 && theirs?.rxQueue === 0;
}

/** How much a slow reader reads each time the server is stalled on it. */
const READ_QUANTUM = 1024 * 1024;

/**
 * Reads the server's replies only as fast as it must: another mebibyte each time the server waits
 * in epoll_wait with bytes it has stopped reading (its receive queue is not empty), nothing
 * otherwise. A server that keeps reading while its replies pile up is never helped along.
 */
function slowReader(attack: Attack, peer: Peer) {
  let quota = 0;
  peer.socket.pause();
  peer.socket.on('data', () => {
    if (peer.receivedBytes >= quota) peer.socket.pause();
  });
  const stalled = async () =>
    attack.serverWaits() && ((await rowsOf(attack, peer)).theirs?.rxQueue ?? 0) > 0 && attack.serverWaits();
  const readUntil = async (done: () => Promise<boolean>, ms: number, what: string): Promise<void> => {
    const readWhenStalled = async () => {
      // A busy server is neither done with what we sent nor stalled on us: no need to read the table.
      if (!attack.serverWaits()) return false;
      if (await done()) return true;
      if (peer.socket.isPaused() && (await stalled())) {
        quota = peer.receivedBytes + READ_QUANTUM;
        peer.socket.resume();
      }
      return false;
    };
    await untilTrue(readWhenStalled, ms, what, POLL_MS).catch((error: Error) => {
      throw error instanceof AttackFailure ? error : new AttackFailure(error.message, peer.wire());
    });
  };
  const readEverything = () => {
    quota = Number.POSITIVE_INFINITY;
    peer.socket.resume();
  };
  return { readUntil, readEverything };
}

/**
 * A client sends its requests, each once the server has read the one before (so that no two
 * share a read), reads the replies only as fast as it must, and half-closes; every reply must
 * come back before the server's own FIN.
 */
export function halfCloseSlowReader(make: (random: Random) => { setup?: Buffer; parts: Buffer[]; reply: Buffer }) {
  return {
    name: 'half-close',
    claim: {
      en: 'a client that sends megabytes, reads at its own pace and half-closes gets every reply before the close',
      ko:
        '메가바이트 단위로 보내고, 자기 속도로 읽고, 우아한 종료(half-close)를 하는 클라이언트는 연결이 닫히기 전에 ' +
        '모든 답을 받는다',
    },
    async run(attack: Attack) {
      const peer = await attack.connect('a slow reader that half-closes');
      const { readUntil, readEverything } = slowReader(attack, peer);
      const { setup, parts, reply } = make(attack.random);
      // A long request that must not be cut: its cutting is another attack's business.
      if (setup) await inOneRead(attack, peer, setup);
      const serverRead = () => readUntil(() => serverHasRead(attack, peer), scaled(BULK_MS), 'the server to read');
      await serverRead();
      for (const part of parts) {
        peer.write(part);
        await serverRead();
      }
      // end(): shutdown(SHUT_WR), our FIN after the last byte. The server may still write.
      peer.socket.end();
      // The FIN counts one in the server's receive queue until the server has read it: rx_queue is
      // rcv_nxt - copied_seq (net/ipv4/tcp_ipv4.c: get_tcp4_sock()), the FIN takes one sequence
      // number, and copied_seq steps over it only when read (net/ipv4/tcp.c: tcp_recvmsg_locked(),
      // found_fin_ok).
      const finRead = async () => ((await rowsOf(attack, peer)).theirs?.rxQueue ?? 0) === 0;
      await readUntil(finRead, scaled(BULK_MS), 'the server to read our FIN');
      readEverything();
      const allBack = () => peer.receivedBytes >= reply.length || peer.ended || peer.closed;
      await peer.until(allBack, scaled(BULK_MS), 'every reply to come back').catch((error: Error) => {
        throw new AttackFailure(error.message, peer.wire());
      });
      await peer.expect(reply, scaled(REPLY_MS), 'every reply before the server closed');
      await peer.until(() => peer.ended || peer.closed, scaled(REPLY_MS), "the server's FIN after every reply");
    },
  };
}

/**
 * A client writes `times` copies of `part` and never reads. Each copy goes out once the server
 * has read the one before, or not at all once the server has stopped reading (so that the
 * server's reads start where a part starts, as long as it reads). Then the server's peak memory.
 */
export function neverReads(make: (random: Random) => { part: Buffer; times: number }, boundMib: number) {
  return {
    name: 'never-reads',
    // Where 'drain' and the process's share of a slow reader's bytes are shown.
    notes: MANY_CLIENTS_SECTION,
    claim: {
      en: `a client that sends without ever reading does not grow the server's memory by more than ${boundMib} MiB`,
      ko: `보내기만 하고 전혀 읽지 않는 클라이언트가 있어도 서버의 메모리는 ${boundMib} MiB보다 더 늘지 않는다`,
    },
    freshServer: true,
    async run(attack: Attack) {
      const peer = await attack.connect('a client that never reads');
      peer.socket.pause();
      const { part, times } = make(attack.random);
      // Stopped: it waits with bytes it does not read. Or it took everything we sent. Or it dropped
      // this client (the rules allow it): its end of the connection is no longer ESTABLISHED.
      const stoppedOrTookAll = async () => {
        if (!attack.serverWaits()) return false;
        const { ours, theirs } = await rowsOf(attack, peer);
        if (peer.closed || theirs?.state !== 'ESTABLISHED') return true;
        const tookAll = peer.socket.writableLength === 0 && ours?.txQueue === 0 && theirs.rxQueue === 0;
        return (theirs.rxQueue > 0 || tookAll) && attack.serverWaits();
      };
      const settle = () =>
        untilTrue(
          stoppedOrTookAll,
          scaled(BULK_MS),
          'the server to stop reading, to take everything, or to drop this client',
          POLL_MS,
        ).catch((error: Error) => {
          throw new AttackFailure(error.message);
        });
      for (let i = 0; i < times; i++) {
        // The same buffer written again: it costs this process nothing more.
        peer.write(part);
        await settle();
        if (!(await serverHasRead(attack, peer))) break;
      }
      await settle();
      const grown = (memoryOf(attack.server.pid, 'VmHWM') - attack.server.startHwm) / MIB;
      if (grown <= boundMib) return;
      // What the server has read, as the kernel counts it: what we sent, less what still waits in a queue.
      const { ours, theirs } = await rowsOf(attack, peer);
      const unread = peer.socket.writableLength + (ours?.txQueue ?? 0) + (theirs?.rxQueue ?? 0);
      const measured =
        `while ${peer.label} read nothing, the server's peak memory (VmHWM) grew by ${grown.toFixed(1)} MiB ` +
        `(bound ${boundMib} MiB) as it read ${((peer.sentBytes - unread) / MIB).toFixed(1)} MiB`;
      throw new AttackFailure(
        unread === 0
          ? `${measured}, all that was sent: it went on reading though none of its replies was read`
          : `${measured} and stopped reading: look at what it does with the bytes it reads ` +
              '(a buffer joined again on every read, say)',
      );
    },
  };
}
