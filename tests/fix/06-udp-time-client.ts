/**
 * Check for scripts/fix/06-udp-time-client.ts: a server behind a link that loses the first
 * requests must still be asked until it answers; a server that never answers must be given up on.
 */
import { defineCheck } from '../../scripts/lib/fix-check.ts';
import { boundSocket, closeSocket } from '../../scripts/lib/udp.ts';
import { once } from 'node:events';
import { crashed, START_MS, startProgram, tailInEach } from '../lib/program.ts';
import { stretchedByLoad, within } from '../../scripts/lib/wait.ts';

const ANSWER = '12:00';
/**
 * From its first request: time enough for a few tries, and for the answers of a server that a busy
 * machine slows (this process runs other checks beside it); a client that waits for ever is stopped
 * here: 3 s, up to twice that on a loaded machine (taken when the check loads).
 */
const RUN_MS = stretchedByLoad(3000, 2);
const RUN_SECONDS = (RUN_MS / 1000).toFixed(1);
/**
 * How many requests the link loses, the first ones: copies sent together are lost together, and
 * only a program that asks again after waiting, on a timer, is answered. The loss is counted, not
 * timed: a time measured in this process (which runs the other checks beside it) once put a
 * solution's five tries, 200 ms apart, all inside a 300 ms outage, and once spread a wrong fix's
 * three copies sent at once over a 150 ms one.
 */
const LOST_REQUESTS = 3;

/**
 * Runs the client against a server that answers every request after the first LOST_REQUESTS, or
 * none (`answers` false). Each request is counted as it arrives.
 */
async function ask(file: string, answers: boolean) {
  const server = await boundSocket('udp4', '127.0.0.1');
  let requests = 0;
  server.on('message', (_, from) => {
    requests++;
    if (answers && requests > LOST_REQUESTS) server.send(ANSWER, from.port, from.address);
  });
  const program = startProgram(file, [String(server.address().port)]);
  try {
    // The clock starts at the first request, however long the program took to start.
    const firstRequest = await within(once(server, 'message'), START_MS, 'the first request').catch(() => undefined);
    const exit = firstRequest ? await program.exit(RUN_MS) : await program.exit(0);
    return { exit, requests, crashed: crashed(program), printed: tailInEach(program, 2) };
  } finally {
    await program.stop();
    await closeSocket(server);
  }
}

export const CHECK = defineCheck({
  title: { ko: '질문을 보내는 UDP 클라이언트' },
  hint: {
    en: 'ask what tells a UDP sender that its datagram was lost, and what the program does until it hears back',
    ko: 'UDP 데이터그램을 잃었을 때 무엇이 보낸 쪽에 그 사실을 알려 주는지, 답을 들을 때까지 프로그램이 무엇을 하는지 따져 보세요',
  },
  notes: '#42-udp-fire-and-forget-10-udp-fire-and-forget',
  async check(file) {
    const lossy = await ask(file, true);
    if (lossy.exit?.code !== 0 || !lossy.printed.en.includes(ANSWER))
      return {
        passed: false,
        saw: {
          en:
            `the server answered only from request ${LOST_REQUESTS + 1} on, as if the link had lost the first ` +
            `${LOST_REQUESTS}; in ${RUN_SECONDS} s the program sent ${lossy.requests} request(s), and it ` +
            `${lossy.exit ? `exited with code ${lossy.exit.code}` : 'was still waiting'}: ` +
            lossy.printed.en,
          ko:
            `링크가 처음 요청 ${LOST_REQUESTS}개를 잃은 것처럼, 서버는 ${LOST_REQUESTS + 1}번째 요청부터 답했습니다. ` +
            `${RUN_SECONDS}초 동안 프로그램이 보낸 요청은 ${lossy.requests}개이고, 프로그램은 ` +
            `${lossy.exit ? `종료 코드 ${lossy.exit.code}로 끝났습니다` : '여전히 기다리고 있었습니다'}: ` +
            lossy.printed.ko,
        },
      };
    const silent = await ask(file, false);
    // A crash exits with code 1 too; giving up is the program's own choice, said and not thrown.
    if (silent.crashed)
      return {
        passed: false,
        saw: {
          en:
            `against a server that never answers, the program crashed (${silent.printed.en}) ` +
            `after ${silent.requests} request(s), where it should give up by itself with exit code 1`,
          ko:
            `전혀 답하지 않는 서버를 상대로, 프로그램은 요청 ${silent.requests}개를 보낸 뒤 잡히지 않은 예외로 ` +
            `죽었습니다(${silent.printed.ko}). 여기서는 스스로 포기하고 종료 코드 1로 끝나야 합니다`,
        },
      };
    if (silent.exit?.code !== 1)
      return {
        passed: false,
        saw: {
          en:
            `against a server that never answers, the program ` +
            `${silent.exit ? `exited with code ${silent.exit.code}` : `still waited after ${RUN_SECONDS} s`} ` +
            `(${silent.requests} requests sent), where it should give up with exit code 1`,
          ko:
            '전혀 답하지 않는 서버를 상대로, 프로그램은 ' +
            `${silent.exit ? `종료 코드 ${silent.exit.code}로 끝났습니다` : `${RUN_SECONDS}초가 지나도 기다리고 있었습니다`} ` +
            `(요청 ${silent.requests}개를 보냄). 여기서는 포기하고 종료 코드 1로 끝나야 합니다`,
        },
      };
    return {
      passed: true,
      saw: {
        en:
          `the first ${LOST_REQUESTS} requests lost, answered on try ${lossy.requests}; ` +
          `a silent server given up on after ${silent.requests} tries`,
        ko:
          `처음 요청 ${LOST_REQUESTS}개를 잃었고 ${lossy.requests}번째 시도에 답을 받았습니다. ` +
          `답하지 않는 서버는 ${silent.requests}번 시도한 뒤 포기했습니다`,
      },
    };
  },
});
