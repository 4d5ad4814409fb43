/**
 * Check for scripts/fix/08-length-prefix-client.ts: the server sends a whole message together
 * with half of the next one's 4-byte header, waits until the client has printed the first, then
 * sends the rest and an empty message (a header alone, the last bytes of the stream). Every
 * message must be printed, the empty one as an empty line, and the client must end cleanly.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { defineCheck } from '../../scripts/lib/fix-check.ts';
import { onceWithin } from '../../scripts/lib/wait.ts';
import { failed, START_MS, startProgram, tailInEach, waited, STEP_MS } from '../lib/program.ts';

const MESSAGES = ['first', 'second', ''];
const HEADER_CUT = 2;

function framed(text: string): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  return Buffer.concat([header, body]);
}

export const CHECK = defineCheck({
  title: { ko: '길이 접두사가 붙은 메시지를 받는 클라이언트' },
  hint: {
    en: 'ask what the program reads when even the 4-byte header has come only in part',
    ko: '4바이트 헤더마저 일부만 도착했을 때 프로그램이 무엇을 읽는지 따져 보세요',
  },
  notes: '#25-read-and-write-a-byte-stream-not-messages-06-read-write',
  async check(file) {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await onceWithin(server, 'listening', STEP_MS, 'the message server');
    const program = startProgram(file, [String((server.address() as AddressInfo).port)]);
    try {
      const [socket] = (await waited({ en: 'the client to connect', ko: '클라이언트가 접속하지 않았습니다' }, (what) =>
        onceWithin(server, 'connection', START_MS, what),
      )) as [Socket];
      // A client that crashes leaves its kernel to answer with a reset; the verdict says so, not this error.
      socket.on('error', () => {});
      const [first, second, empty] = MESSAGES.map(framed);
      socket.write(Buffer.concat([first, second.subarray(0, HEADER_CUT)]));
      const printed = [await program.stdout.next(STEP_MS)];
      socket.end(Buffer.concat([second.subarray(HEADER_CUT), empty]));
      printed.push(await program.stdout.next(STEP_MS), await program.stdout.next(STEP_MS));
      const exit = await program.exit(STEP_MS);
      const shown = (nothing: string) =>
        printed.map((line) => (line === undefined ? nothing : JSON.stringify(line))).join(', ');
      const passed = printed.every((line, i) => line === MESSAGES[i]) && exit?.code === 0;
      if (passed)
        return {
          passed,
          saw: {
            en: `a header cut after ${HEADER_CUT} bytes, and every message printed: ${shown('(nothing)')}`,
            ko: `헤더가 ${HEADER_CUT}바이트에서 잘렸는데도 메시지가 모두 출력되었습니다: ${shown('(없음)')}`,
          },
        };
      const last = tailInEach(program, 2);
      return {
        passed,
        saw: {
          en:
            `sent "first" with ${HEADER_CUT} bytes of the next header, then the rest and an empty message; ` +
            `it printed ${shown('(nothing)')}, ${exit ? `exit code ${exit.code}` : 'and did not exit'}: ${last.en}`,
          ko:
            `"first"를 다음 헤더의 ${HEADER_CUT}바이트와 함께 보낸 다음, 나머지와 빈 메시지를 보냈습니다. ` +
            `프로그램이 출력한 것: ${shown('(없음)')}, ` +
            `${exit ? `종료 코드 ${exit.code}` : '종료하지 않음'}: ${last.ko}`,
        },
      };
    } catch (error) {
      return failed(error, program);
    } finally {
      await program.stop();
      server.close();
    }
  },
});
