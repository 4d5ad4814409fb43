/**
 * Check for scripts/fix/07-admin-server.ts: who can connect. In a network namespace of its own
 * the host has its loopback and an outward address, 192.0.2.1 (a documentation address) on a
 * link; the server must answer on the first, and the second, the address other hosts would use,
 * must refuse the connection itself: a server that accepts and then hangs up has still let the
 * stranger in. Nothing outside the namespace is touched.
 */
import { defineCheck } from '../../scripts/lib/fix-check.ts';
import { nodeArgsFor } from '../../scripts/lib/child.ts';
import { findTool, runTool } from '../../scripts/lib/tools.ts';
import { ROOT } from '../../scripts/lib/catalog.ts';
import type { InEach } from '../../scripts/lib/questions.ts';
import { START_MS } from '../lib/program.ts';

const LOOPBACK = '127.0.0.1';
const OUTWARD = '192.0.2.1';
/** In the shell, "$0" is ip and "$@" the probe: a link with the outward address, then the probe. */
const SETUP = [
  '"$0" link set lo up',
  '"$0" link add outward type veth peer name outward-peer',
  `"$0" addr add ${OUTWARD}/24 dev outward`,
  '"$0" link set outward up',
  '"$0" link set outward-peer up',
  'exec "$@"',
].join(' && ');
const RUN_MS = 2 * START_MS;

export const CHECK = defineCheck({
  title: { ko: '이 컴퓨터에서만 쓰는 관리 콘솔' },
  hint: {
    en: 'ask which addresses a server takes when listen() is given a port and no address',
    ko: 'listen()에 포트만 주고 주소는 주지 않으면 서버가 어떤 주소들을 차지하는지 따져 보세요',
  },
  notes: '#21-bind-gives-a-socket-its-address-02-bind',
  async check(file) {
    const [unshare, ip] = await Promise.all([findTool('unshare'), findTool('ip')]);
    if (!unshare || !ip)
      return {
        cannotCheck: {
          en: 'unshare and ip are needed (apt-get install util-linux iproute2)',
          ko: 'unshare와 ip 명령이 필요합니다 (apt-get install util-linux iproute2)',
        },
      };
    const probe = [process.execPath, ...nodeArgsFor('tests/probes/fix-07-who-connects.ts', [file, LOOPBACK, OUTWARD])];
    const run = await runTool(unshare, ['--net', '--map-root-user', 'sh', '-c', SETUP, ip, ...probe], RUN_MS, ROOT);
    const refused = /^(unshare|ip|RTNETLINK answers): .*$/m.exec(run.stderr)?.[0];
    if (refused)
      return {
        cannotCheck: {
          en: `no network namespace with a veth link here (${refused})`,
          ko: `여기서는 veth 링크가 있는 네트워크 네임스페이스를 만들 수 없습니다 (${refused})`,
        },
      };
    const report = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as {
      failed?: InEach<string>;
      listening?: InEach<string>;
      reached?: Record<string, 'refused' | 'answered' | 'connected'>;
    };
    if (!report.reached) {
      const stderr = run.stderr.trim();
      return {
        passed: false,
        saw: report.failed ?? { en: `the probe failed: ${stderr}`, ko: `검사용 프로브가 실패했습니다: ${stderr}` },
      };
    }
    const { reached, listening } = report;
    const outcome = {
      en: { refused: 'refused', answered: 'answered', connected: 'connected, and was closed unanswered' },
      ko: { refused: '연결 거부됨', answered: '답함', connected: '연결됐지만 답 없이 닫힘' },
    };
    return {
      passed: reached[LOOPBACK] === 'answered' && reached[OUTWARD] === 'refused',
      saw: {
        en:
          `${listening?.en}; dialled at ${LOOPBACK} ${outcome.en[reached[LOOPBACK]]} (this host only), ` +
          `at ${OUTWARD} ${outcome.en[reached[OUTWARD]]} (the address other hosts reach)`,
        ko:
          `${listening?.ko}. 접속해 본 결과: ${LOOPBACK}(이 호스트 안에서만 쓰는 주소) ` +
          `${outcome.ko[reached[LOOPBACK]]}, ${OUTWARD}(다른 호스트가 닿는 주소) ${outcome.ko[reached[OUTWARD]]}`,
      },
    };
  },
});
