/**
 * Check for scripts/fix/08-length-prefix-client.ts: the server sends a whole message together
 * with half of the next one's 4-byte header, waits until the client has printed the first, then
 * sends the rest and an empty message (a header alone, the last bytes of the stream). Every
 * message must be printed, the empty one as an empty line, and the client must end cleanly.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { defineCheck } from '../../scripts/lib/fix-check.ts';
import { onceWithin } from '../../scripts/lib/wait.ts';
import { failed, START_MS, startProgram, tail } from '../lib/program.ts';

const STEP_MS = 2000;
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
      const [socket] = (await onceWithin(server, 'connection', START_MS, 'the client to connect')) as [Socket];
      // A client that crashes leaves its kernel to answer with a reset; the verdict says so, not this error.
      socket.on('error', () => {});
      const [first, second, empty] = MESSAGES.map(framed);
      socket.write(Buffer.concat([first, second.subarray(0, HEADER_CUT)]));
      const printed = [await program.stdout.next(STEP_MS)];
      socket.end(Buffer.concat([second.subarray(HEADER_CUT), empty]));
      printed.push(await program.stdout.next(STEP_MS), await program.stdout.next(STEP_MS));
      const exit = await program.exit(STEP_MS);
      const shown = printed.map((line) => (line === undefined ? '(nothing)' : JSON.stringify(line))).join(', ');
      const passed = printed.every((line, i) => line === MESSAGES[i]) && exit?.code === 0;
      return {
        passed,
        saw: passed
          ? `a header cut after ${HEADER_CUT} bytes, and every message printed: ${shown}`
          : `sent "first" with ${HEADER_CUT} bytes of the next header, then the rest and an empty message; ` +
            `it printed ${shown}, ` +
            `${exit ? `exit code ${exit.code}` : 'and did not exit'}: ${tail(program, 2)}`,
      };
    } catch (error) {
      return failed(error, program);
    } finally {
      await program.stop();
      server.close();
    }
  },
});
