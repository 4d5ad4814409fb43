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
import { failed, listeningPort, startProgram, tailInEach, waited, STEP_MS } from '../lib/program.ts';

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
    const clientGot = () => {
      const withoutAnswer = relayEnded && heard !== ANSWER;
      return {
        en:
          `the client heard ${JSON.stringify(heard)}${failure}` +
          (withoutAnswer ? ", then the relay's FIN: it had ended its side without the answer" : ''),
        ko:
          `클라이언트가 받은 것: ${JSON.stringify(heard)}${failure}` +
          (withoutAnswer ? ', 그다음 릴레이의 FIN: 릴레이가 답을 전하지 않은 채 자기 쪽을 끝냈습니다' : ''),
      };
    };
    try {
      client.connect(await listeningPort(program), '127.0.0.1');
      await waited({ en: 'the connection to the relay', ko: '릴레이에 연결되지 않았습니다' }, (what) =>
        onceWithin(client, 'connect', STEP_MS, what),
      );
      [relayed] = (await waited(
        { en: 'the relay to connect to the service', ko: '릴레이가 서비스에 접속하지 않았습니다' },
        (what) => within(relayConnects, STEP_MS, what),
      )) as [Socket];
      let received = '';
      let serviceGotFin = false;
      relayed.setEncoding('utf8');
      relayed.on('data', (text: string) => (received += text));
      relayed.on('end', () => (serviceGotFin = true));
      relayed.on('error', () => {});
      client.write(PARTS[0]);
      const finTooEarly = () => {
        const printed = tailInEach(program);
        return {
          passed: false,
          saw: {
            en:
              `the relay sent the service a FIN before the client had finished ` +
              `(the service got ${received.length} of ${TEXT.length} bytes): ${printed.en}`,
            ko:
              '클라이언트가 다 보내기 전에 릴레이가 서비스에 FIN을 보냈습니다 ' +
              `(서비스가 받은 것: ${TEXT.length}바이트 중 ${received.length}바이트): ${printed.ko}`,
          },
        };
      };
      await waited({ en: 'a line to reach the service', ko: '한 줄이 서비스에 도착하지 않았습니다' }, (what) =>
        untilTrue(() => received.length >= PARTS[0].length || serviceGotFin, STEP_MS, what),
      );
      if (serviceGotFin) return finTooEarly();
      // end(): the rest and the client's FIN. It can still read: the answer comes back on the other direction.
      client.end(PARTS[1]);
      const halfClosed = {
        en: `sent ${TEXT.length} bytes in two writes, the second with the half-close`,
        ko: `${TEXT.length}바이트를 write() 두 번에 나눠 보냈고, 두 번째에 우아한 종료(half-close)를 함께 했습니다`,
      };
      await waited(
        {
          en: "the relay to pass the client's half-close on to the service",
          ko: '릴레이가 클라이언트의 우아한 종료(half-close)를 서비스에 전하지 않았습니다',
        },
        (what) => onceWithin(relayed!, 'end', STEP_MS, what),
      );
      if (received !== TEXT) return finTooEarly();
      relayed.end(ANSWER);
      await waited(
        { en: 'the relay to bring the answer back and close', ko: '릴레이가 답을 전하고 연결을 닫지 않았습니다' },
        (what) => onceWithin(client, 'close', STEP_MS, what),
      );
      if (heard === ANSWER)
        return {
          passed: true,
          saw: {
            en: `${halfClosed.en}; the service answered after the FIN, and the client heard it`,
            ko: `${halfClosed.ko}. 서비스는 FIN을 받은 뒤 답했고, 클라이언트가 그 답을 받았습니다`,
          },
        };
      const [got, printed] = [clientGot(), tailInEach(program)];
      return {
        passed: false,
        saw: {
          en: `${halfClosed.en}; the service answered once the relay passed the FIN on; ${got.en}: ${printed.en}`,
          ko: `${halfClosed.ko}. 릴레이가 FIN을 전하자 서비스가 답했습니다. ${got.ko}: ${printed.ko}`,
        },
      };
    } catch (error) {
      const [{ saw }, got] = [failed(error, program), clientGot()];
      return { passed: false, saw: { en: `${saw.en}; ${got.en}`, ko: `${saw.ko}; ${got.ko}` } };
    } finally {
      client.destroy();
      relayed?.destroy();
      await program.stop();
      service.close();
    }
  },
});
