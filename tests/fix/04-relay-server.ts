/**
 * Check for scripts/fix/04-relay-server.ts: the check is both the client and the service behind
 * the relay. The client sends a first line; once the service has it, the client sends the rest
 * with its half-close (end()); the service answers (the bytes' SHA-256) only when the relay has
 * passed that half-close on with every byte. So the answer reaches the relay after the client's
 * FIN, however the relay is written, and the client must still hear it.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo, createServer, Socket } from 'node:net';
import { defineCheck } from '../../scripts/lib/fix-check.ts';
import { onceWithin, untilTrue, within } from '../../scripts/lib/wait.ts';
import { failed, listeningPort, startProgram, tail } from '../lib/program.ts';

const STEP_MS = 2000;
/** A line, then the rest, sent with the FIN: nothing in the bytes says where they end. */
const PARTS = ['hello from the check\n', 'and the rest, with the FIN'];
const TEXT = PARTS.join('');
const ANSWER = `${createHash('sha256').update(TEXT).digest('hex')}\n`;

export const CHECK = defineCheck({
  title: { ko: '클라이언트가 보내기를 마치면 답하는 릴레이' },
  hint: {
    en: "ask what Node does with its own side of a socket when the peer's FIN arrives, and whether you want that",
    ko: '상대의 FIN이 도착하면 Node가 소켓의 자기 쪽을 어떻게 하는지, 그리고 그것이 원하는 동작인지 따져 보세요',
  },
  notes: '#25-read-and-write-a-byte-stream-not-messages-06-read-write',
  async check(file) {
    // The service answers after the relay's FIN, on a connection kept open for that (half-open).
    const service = createServer({ allowHalfOpen: true });
    service.listen(0, '127.0.0.1');
    await onceWithin(service, 'listening', STEP_MS, 'the service');
    // Watched from the start: the relay may reach the service before the client's 'connect' is seen here.
    const relayConnects = once(service, 'connection');
    relayConnects.catch(() => {});
    const program = startProgram(file, [String((service.address() as AddressInfo).port)]);
    const client = new Socket();
    let relayed: Socket | undefined;
    let heard = '';
    let relayEnded = false;
    let failure = '';
    client.setEncoding('utf8');
    client.on('data', (text: string) => (heard += text));
    client.on('end', () => (relayEnded = true));
    client.on('error', (error: NodeJS.ErrnoException) => (failure = ` (${error.code})`));
    /** What the client got back: the answer, and whether the relay ended its side to it (a FIN). */
    const clientGot = () =>
      `the client heard ${JSON.stringify(heard)}${failure}` +
      (relayEnded && heard !== ANSWER ? ", then the relay's FIN: it had ended its side without the answer" : '');
    try {
      client.connect(await listeningPort(program), '127.0.0.1');
      await onceWithin(client, 'connect', STEP_MS, 'the connection to the relay');
      [relayed] = (await within(relayConnects, STEP_MS, 'the relay to connect to the service')) as [Socket];
      let received = '';
      let serviceGotFin = false;
      relayed.setEncoding('utf8');
      relayed.on('data', (text: string) => (received += text));
      relayed.on('end', () => (serviceGotFin = true));
      relayed.on('error', () => {});
      client.write(PARTS[0]);
      const finTooEarly = () => ({
        passed: false,
        saw:
          `the relay sent the service a FIN before the client had finished ` +
          `(the service got ${received.length} of ${TEXT.length} bytes): ${tail(program)}`,
      });
      await untilTrue(
        () => received.length >= PARTS[0].length || serviceGotFin,
        STEP_MS,
        'a line to reach the service',
      );
      if (serviceGotFin) return finTooEarly();
      // end(): the rest and the client's FIN. It can still read: the answer comes back on the other direction.
      client.end(PARTS[1]);
      const halfClosed = `sent ${TEXT.length} bytes in two writes, the second with the half-close`;
      await onceWithin(relayed, 'end', STEP_MS, "the relay to pass the client's half-close on to the service");
      if (received !== TEXT) return finTooEarly();
      relayed.end(ANSWER);
      await onceWithin(client, 'close', STEP_MS, 'the relay to bring the answer back and close');
      return heard === ANSWER
        ? { passed: true, saw: `${halfClosed}; the service answered after the FIN, and the client heard it` }
        : {
            passed: false,
            saw:
              `${halfClosed}; the service answered once the relay passed the FIN on; ` +
              `${clientGot()}: ${tail(program)}`,
          };
    } catch (error) {
      const verdict = failed(error, program);
      return { passed: false, saw: `${verdict.saw}; ${clientGot()}` };
    } finally {
      client.destroy();
      relayed?.destroy();
      await program.stop();
      service.close();
    }
  },
});
