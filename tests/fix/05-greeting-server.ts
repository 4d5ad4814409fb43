/**
 * Check for scripts/fix/05-greeting-server.ts: many clients, one after another, against the
 * server run under a low descriptor limit (prlimit --nofile), each of them greeted.
 */
import { connect } from 'node:net';
import { defineCheck } from '../../scripts/lib/fix-check.ts';
import { findTool } from '../../scripts/lib/tools.ts';
import { onceWithin } from '../../scripts/lib/wait.ts';
import { failed, listeningPort, missingTool, readLines, startProgram, tailInEach, STEP_MS } from '../lib/program.ts';

/** Node takes some 25 descriptors for itself; this leaves the server about twenty for clients. */
const DESCRIPTOR_LIMIT = 48;
const CLIENTS = 2 * DESCRIPTOR_LIMIT;

/** One client: its name, a half-close, and the line it hears back (undefined: none came). */
async function greet(port: number, name: string): Promise<string | undefined> {
  const client = connect(port, '127.0.0.1');
  client.on('error', () => {});
  try {
    await onceWithin(client, 'connect', STEP_MS, 'the connection');
    const answer = readLines(client);
    client.end(name);
    return await answer.next(STEP_MS);
  } finally {
    client.destroy();
  }
}

export const CHECK = defineCheck({
  title: { ko: '실행되는 동안 모든 클라이언트에게 인사하는 서버' },
  hint: {
    en: 'ask what becomes of a connection, and of its descriptor, when the server never ends its side',
    ko: '서버가 자기 쪽을 끝내지 않으면 연결과 그 디스크립터가 어떻게 되는지 따져 보세요',
  },
  notes: '#41-the-3-way-handshake-and-a-connections-states-09-tcp-handshake',
  async check(file) {
    const prlimit = await findTool('prlimit');
    if (!prlimit) return missingTool('prlimit');
    const program = startProgram(file, [], [prlimit, `--nofile=${DESCRIPTOR_LIMIT}:${DESCRIPTOR_LIMIT}`]);
    try {
      const port = await listeningPort(program);
      for (let n = 1; n <= CLIENTS; n++) {
        const answer = await greet(port, `client ${n}`).catch(() => undefined);
        if (answer !== `hello, client ${n}`) {
          const [heard, printed] = [answer === undefined ? undefined : JSON.stringify(answer), tailInEach(program, 2)];
          return {
            passed: false,
            saw: {
              en:
                `with at most ${DESCRIPTOR_LIMIT} descriptors, client ${n} of ${CLIENTS} heard ` +
                `${heard ?? 'nothing'}; the server printed: ${printed.en}`,
              ko:
                `디스크립터를 최대 ${DESCRIPTOR_LIMIT}개까지 쓸 수 있을 때, 클라이언트 ${CLIENTS}개 중 ` +
                `${n}번째가 받은 답: ${heard ?? '(없음)'}. 서버가 출력한 것: ${printed.ko}`,
            },
          };
        }
      }
      return {
        passed: true,
        saw: {
          en: `all ${CLIENTS} clients greeted, with at most ${DESCRIPTOR_LIMIT} descriptors`,
          ko: `디스크립터를 최대 ${DESCRIPTOR_LIMIT}개까지 쓸 수 있을 때 클라이언트 ${CLIENTS}개가 모두 인사를 받았습니다`,
        },
      };
    } catch (error) {
      return failed(error, program);
    } finally {
      await program.stop();
    }
  },
});
