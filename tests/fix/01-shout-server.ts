/**
 * Check for scripts/fix/01-shout-server.ts: a line cut in two, and two lines in one write, must
 * each get their one answer.
 */
import { connect, type Socket } from 'node:net';
import { defineCheck } from '../../scripts/lib/fix-check.ts';
import { onceWithin } from '../../scripts/lib/wait.ts';
import { failed, listeningPort, readLines, startProgram, waited, STEP_MS } from '../lib/program.ts';

/** What the client writes, one write() each, and the answer lines each write must bring. */
const EXCHANGES: ReadonlyArray<readonly [written: string, answers: string[]]> = [
  ['hello\nwor', ['HELLO']],
  ['ld\n', ['WORLD']],
  ['one\ntwo\n', ['ONE', 'TWO']],
];

export const CHECK = defineCheck({
  title: { ko: '줄마다 답하는 서버' },
  hint: {
    en: "a 'data' event holds the bytes that have arrived so far, and nothing says they are one line",
    ko: "'data' 이벤트에는 지금까지 도착한 바이트가 들어 있을 뿐, 그것이 한 줄이라고 알려 주는 것은 없습니다",
  },
  notes: '#25-read-and-write-a-byte-stream-not-messages-06-read-write',
  async check(file) {
    const program = startProgram(file);
    let client: Socket | undefined;
    try {
      client = connect(await listeningPort(program), '127.0.0.1');
      await waited({ en: 'the connection', ko: '연결되지 않았습니다' }, (what) =>
        onceWithin(client!, 'connect', STEP_MS, what),
      );
      const answers = readLines(client);
      const heard: Array<string | undefined> = [];
      const said = (nothing: string) => heard.map((answer) => answer ?? nothing).join(', ');
      for (const [written, expected] of EXCHANGES) {
        // Each write waits for the answers to the one before: it arrives as a read() of its own.
        client.write(written);
        for (const line of expected) {
          const answer = await answers.next(STEP_MS);
          heard.push(answer);
          if (answer !== line) {
            const wrote = EXCHANGES.map(([text]) => JSON.stringify(text)).join(', ');
            return {
              passed: false,
              saw: {
                en: `wrote ${wrote}; heard back ${said('(nothing)')} where ${line} was due`,
                ko: `write() 한 번에 하나씩 보낸 것: ${wrote}; 돌아온 답: ${said('(없음)')} (여기서 와야 할 답: ${line})`,
              },
            };
          }
        }
      }
      return {
        passed: true,
        saw: {
          en: `a cut line and two lines in one write each got their answer: ${said('')}`,
          ko: `잘린 한 줄도, write() 한 번에 담긴 두 줄도 저마다 답을 받았습니다: ${said('')}`,
        },
      };
    } catch (error) {
      return failed(error, program);
    } finally {
      client?.destroy();
      await program.stop();
    }
  },
});
