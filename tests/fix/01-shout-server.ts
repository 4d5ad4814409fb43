/**
 * Check for scripts/fix/01-shout-server.ts: a line cut in two, and two lines in one write, must
 * each get their one answer.
 */
import { connect, type Socket } from 'node:net';
import { defineCheck } from '../../scripts/lib/fix-check.ts';
import { onceWithin } from '../../scripts/lib/wait.ts';
import { failed, listeningPort, readLines, startProgram } from '../lib/program.ts';

const STEP_MS = 2000;
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
      await onceWithin(client, 'connect', STEP_MS, 'the connection');
      const answers = readLines(client);
      const heard: string[] = [];
      for (const [written, expected] of EXCHANGES) {
        // Each write waits for the answers to the one before: it arrives as a read() of its own.
        client.write(written);
        for (const line of expected) {
          const answer = await answers.next(STEP_MS);
          heard.push(answer ?? '(nothing)');
          if (answer !== line)
            return {
              passed: false,
              saw:
                `wrote ${EXCHANGES.map(([text]) => JSON.stringify(text)).join(', ')}; ` +
                `heard back ${heard.join(', ')} where ${line} was due`,
            };
        }
      }
      return { passed: true, saw: `a cut line and two lines in one write each got their answer: ${heard.join(', ')}` };
    } catch (error) {
      return failed(error, program);
    } finally {
      client?.destroy();
      await program.stop();
    }
  },
});
