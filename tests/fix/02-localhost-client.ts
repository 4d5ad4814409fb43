/**
 * Check for scripts/fix/02-localhost-client.ts: a server on 127.0.0.1, and the client run where
 * "localhost" names ::1 first, as on many systems. The client runs in a mount namespace of its own
 * whose /etc/hosts says so; this machine's own /etc/hosts is never touched. A client that reaches
 * the server is run once more, with another program holding ::1 at the same port: a client that
 * dials "localhost" and takes whichever address answers (Node's autoSelectFamily tries ::1, then
 * 127.0.0.1) reaches that program, not the server.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { defineCheck } from '../../scripts/lib/fix-check.ts';
import { LOCALHOST_IPV6_FIRST, ownHostsFile, refusal } from '../../scripts/lib/hosts-file.ts';
import { onceWithin } from '../../scripts/lib/wait.ts';
import { missingTool, START_MS, startProgram, tailInEach } from '../lib/program.ts';

const RUN_MS = START_MS;
const GREETING = 'hello from 127.0.0.1';
const OTHER_GREETING = 'hello from another program, on ::1';

/** A server that greets every client with `greeting`, listening on `host`. */
async function greeter(host: string, port: number, greeting: string): Promise<Server> {
  const server = createServer((socket) => socket.end(`${greeting}\n`));
  server.listen(port, host);
  await onceWithin(server, 'listening', RUN_MS, `the server on ${host}`);
  return server;
}

/** Runs the client against `port` in the namespace `wrapper` makes: did it print the greeting and exit 0? */
async function runClient(file: string, port: number, wrapper: string[]) {
  const program = startProgram(file, [String(port)], wrapper);
  const exit = await program.exit(RUN_MS);
  await program.stop();
  const greeted = program.transcript().includes(GREETING) && exit?.code === 0;
  const printed = tailInEach(program, 2);
  const ending = exit
    ? { en: `exit code ${exit.code}`, ko: `종료 코드 ${exit.code}` }
    : { en: `still running after ${RUN_MS / 1000} s`, ko: `${RUN_MS / 1000}초가 지나도 실행 중` };
  return {
    greeted,
    refused: refusal(program.transcript()),
    printed: { en: `${printed.en} (${ending.en})`, ko: `${printed.ko} (${ending.ko})` },
  };
}

export const CHECK = defineCheck({
  title: { ko: '이 컴퓨터에 있는 서버에 접속하는 클라이언트' },
  hint: {
    en: 'ask which addresses "localhost" stands for here, in which order, and which one the server holds',
    ko: '여기서 "localhost"가 어떤 주소들을 어떤 순서로 가리키는지, 서버는 그중 어느 주소를 쓰고 있는지 따져 보세요',
  },
  notes: '#21-bind-gives-a-socket-its-address-02-bind',
  async check(file) {
    const hosts = await ownHostsFile(LOCALHOST_IPV6_FIRST);
    if (!hosts) return missingTool('unshare');
    const servers: Server[] = [];
    try {
      servers.push(await greeter('127.0.0.1', 0, GREETING));
      const { port } = servers[0].address() as AddressInfo;
      const alone = await runClient(file, port, hosts.wrapper);
      if (alone.refused)
        return {
          cannotCheck: {
            en: `no mount namespace here (${alone.refused})`,
            ko: `여기서는 마운트 네임스페이스를 만들 수 없습니다 (${alone.refused})`,
          },
        };
      if (!alone.greeted)
        return {
          passed: false,
          saw: {
            en: `server on 127.0.0.1, localhost is ::1 first here: ${alone.printed.en}`,
            ko: `서버는 127.0.0.1에 있고, 여기서 localhost는 ::1을 먼저 가리킵니다: ${alone.printed.ko}`,
          },
        };
      try {
        servers.push(await greeter('::1', port, OTHER_GREETING));
      } catch (error) {
        // No IPv6 on loopback: no program can hold ::1, and the first run is the whole check.
        if ((error as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL')
          return {
            passed: true,
            saw: {
              en: `with ::1 first for localhost (this machine has no ::1): ${alone.printed.en}`,
              ko: `localhost가 ::1을 먼저 가리킬 때 (이 기계에는 ::1이 없음): ${alone.printed.ko}`,
            },
          };
        // EADDRINUSE: a program of someone else's holds ::1 at the port already, which serves as well.
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      }
      const beside = await runClient(file, port, hosts.wrapper);
      return beside.greeted
        ? {
            passed: true,
            saw: {
              en: `with ::1 first for localhost, and another program on ::1: ${beside.printed.en}`,
              ko: `localhost가 ::1을 먼저 가리키고 ::1에 다른 프로그램이 있을 때: ${beside.printed.ko}`,
            },
          }
        : {
            passed: false,
            saw: {
              en:
                `server on 127.0.0.1, localhost is ::1 first here; with nothing on ::1 it reached the server, ` +
                `but with another program on ::1 at the same port: ${beside.printed.en}`,
              ko:
                '서버는 127.0.0.1에 있고, 여기서 localhost는 ::1을 먼저 가리킵니다. ::1에 아무것도 없을 때는 ' +
                `서버에 닿았지만, 같은 포트의 ::1에 다른 프로그램이 있을 때는: ${beside.printed.ko}`,
            },
          };
    } finally {
      for (const server of servers) server.close();
      await hosts.remove();
    }
  },
});
