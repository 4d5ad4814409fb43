/**
 * Everything the tour (`npm start`) says to a learner, in one place, in each language the runners
 * speak. Script output itself stays as the scripts print it. The Korean text has the English one's
 * type, so a line missing in Korean does not compile.
 */
import { type Entry, noScript } from '../catalog.ts';
import { conceptTitle } from '../editions.ts';
import { BAD_FLAGS, type Lang } from '../lang.ts';
import { LEVEL_WORDS } from './levels.ts';

/** One line per concept and language: what to look at in its output, in plain words. */
export const LOOK_AT: Readonly<Record<Lang, Readonly<Record<string, string>>>> = {
  en: {
    '01': 'the kernel: lines. One connection is two sockets, and each end has its own IP and port.',
    '02': 'the tcp: and udp: lines. Port 0 gets a free port; an address already taken gives EADDRINUSE.',
    '03': 'the server: lines. Each accept() gives a new socket with its own fd, on the same port.',
    '04': 'the client: lines. Only backlog + 1 clients get in at once; the others wait, with no error.',
    '05': 'the client: lines. Without bind(), the kernel picks the port; with no listener, ECONNREFUSED.',
    '06': 'the naive: and framer: lines. TCP keeps no message edges, so the program must mark them.',
    '07': 'the fd numbers. A socket takes a number from the same table as a file: the lowest free one.',
    '08': 'the pid: line. A PID names a process and a port names a socket: one process holds three ports.',
    '09': 'the kernel: lines. The kernel moves each end through its states, even before accept() is called.',
    '10': 'the udp: lines. sent = received + dropped: UDP loses messages, and nobody tells the sender.',
    '11': 'the tcp: and overhead: lines. TCP loses nothing and keeps no edges; it sends more packets.',
    '12': 'the clients: and kernel: lines. One thread serves every client; one epoll watches all sockets.',
    '13': 'the replies per worker. Three processes share one port, in three different ways.',
    '14': 'the A: and B: lines. B sees the address of A; a port is open only on the host that listens.',
    '15': 'the udp: and tcp: lines. UDP loses what the link drops; TCP sends it again, and all arrives.',
    '16': 'the A: lines. Only a timer notices a dead peer (ETIMEDOUT); a rebooted peer sends a reset.',
    '17': 'the client: lines. "localhost" may mean ::1 first, where a server on 127.0.0.1 is not.',
  },
  ko: {
    '01': 'kernel:로 시작하는 줄. 연결 하나는 소켓 둘이고, 양 끝은 저마다 자기 IP와 포트를 가진다.',
    '02': 'tcp:와 udp:로 시작하는 줄. 포트 0이면 빈 포트를 받고, 이미 쓰이는 주소면 EADDRINUSE가 난다.',
    '03': 'server:로 시작하는 줄. accept()를 할 때마다 같은 포트에 자기 fd를 가진 새 소켓이 생긴다.',
    '04': 'client:로 시작하는 줄. 한 번에 들어오는 클라이언트는 backlog + 1개뿐이고, 나머지는 오류 없이 기다린다.',
    '05': 'client:로 시작하는 줄. bind()가 없으면 커널이 포트를 고르고, listen하는 소켓이 없으면 ECONNREFUSED가 난다.',
    '06': 'naive:와 framer:로 시작하는 줄. TCP는 메시지 경계를 지키지 않으므로 프로그램이 직접 표시해야 한다.',
    '07': 'fd 번호. 소켓도 파일과 같은 테이블에서 번호를 받는다. 비어 있는 가장 작은 번호다.',
    '08': 'pid:로 시작하는 줄. PID는 프로세스를, 포트는 소켓을 가리킨다. 프로세스 하나가 포트 세 개를 쓰고 있다.',
    '09': 'kernel:로 시작하는 줄. accept()를 호출하기 전에도 커널이 양 끝의 상태를 차례로 바꿔 간다.',
    '10': 'udp:로 시작하는 줄. 보낸 수 = 받은 수 + 버려진 수. UDP는 메시지를 잃고, 보낸 쪽에는 아무도 알려 주지 않는다.',
    '11': 'tcp:와 overhead:로 시작하는 줄. TCP는 아무것도 잃지 않지만 경계도 지키지 않으며, 패킷을 더 많이 보낸다.',
    '12': 'clients:와 kernel:로 시작하는 줄. 스레드 하나가 모든 클라이언트를 맡고, epoll 하나가 모든 소켓을 지켜본다.',
    '13': '워커별 응답. 프로세스 셋이 포트 하나를 세 가지 다른 방식으로 함께 쓴다.',
    '14': 'A:와 B:로 시작하는 줄. B에는 A의 주소가 보이고, 포트는 listen하는 호스트에서만 열려 있다.',
    '15': 'udp:와 tcp:로 시작하는 줄. 링크가 버린 것을 UDP는 잃고, TCP는 재전송해서 모두 도착한다.',
    '16': 'A:로 시작하는 줄. 죽은 상대는 타이머만 알아챈다(ETIMEDOUT). 재부팅한 상대는 리셋을 보낸다.',
    '17': 'client:로 시작하는 줄. "localhost"가 ::1을 먼저 가리킬 수 있는데, 127.0.0.1의 서버는 거기에 없다.',
  },
};

export interface TourText {
  usage: string;
  /** Node's own sentence about an argument it cannot parse, said in this language, then the usage. */
  badArgument: (message: string) => string;
  intro: (count: number, basics: number, paced: boolean) => string;
  heading: (entry: Entry) => string;
  lookAt: (entry: Entry) => string;
  prompt: (next: Entry) => string;
  failed: (script: string, ending: string) => string;
  exitCode: (code: number | null) => string;
  done: (completed: number, count: number) => string;
  /** `rest`: the scripts the tour had still to run, in order; the command given runs them all. */
  stopped: (completed: number, ran: number, rest: readonly Entry[]) => string;
  unknownWord: (word: string) => string;
  noScript: (name: string, numbers: readonly string[]) => string;
}

/** The scripts' numbers as `npm start --` takes them: "04 05 06". */
const numbers = (entries: readonly Entry[]) => entries.map((entry) => entry.number).join(' ');

const en: TourText = {
  usage: 'usage: npm start [-- basics | NN ...]   (NN: a script number, such as 03)',
  badArgument: (message) => BAD_FLAGS.en(message, en.usage),
  intro: (count, basics, paced) =>
    `The tour: ${count} scripts in the notes' order; ${basics} are basics, ${count - basics} go deeper.` +
    (paced ? ' After each one: Enter for the next, q and Enter to stop.' : '') +
    " On a terminal, each script shows the lesson's own lines first, then the lab's account of them" +
    " with the kernel's view (the top of NOTES.md says why).",
  heading: (entry) => `== ${entry.number}. ${entry.title} (${LEVEL_WORDS.en[entry.level]}) ==`,
  lookAt: (entry) => `Look at ${LOOK_AT.en[entry.number]}`,
  prompt: (next) => `Enter: next (${next.number}. ${next.title}). q, then Enter: stop. `,
  failed: (script, ending) => `tour: ${script} ended with ${ending}`,
  exitCode: (code) => `exit code ${code}`,
  done: (completed, count) => `${completed} of ${count} scripts ran to completion.`,
  stopped: (completed, ran, rest) =>
    `Stopped: ${completed} of ${ran} scripts ran to completion. To go on: npm start -- ${numbers(rest)}`,
  unknownWord: (word) => `"${word}" is neither basics nor a script number`,
  noScript,
};

/** The level of a concept as the Korean tour names it; `basics` stays the word typed on the command line. */
/** A concept's Korean title is its section's heading in NOTES.ko.md. */
const koTitle = (entry: Entry) => conceptTitle('ko', entry.notes);

const ko: TourText = {
  usage: '사용법: npm start [-- basics | NN ...]   (NN: 스크립트 번호, 예: 03)',
  badArgument: (message) => BAD_FLAGS.ko(message, ko.usage),
  intro: (count, basics, paced) =>
    `투어: 스크립트 ${count}개를 노트 순서대로 실행합니다. 기초 ${basics}개, 심화 ${count - basics}개입니다.` +
    (paced ? ' 하나가 끝날 때마다 Enter를 누르면 다음으로 가고, q를 입력하고 Enter를 누르면 멈춥니다.' : '') +
    ' 터미널에서는 스크립트마다 예제(lesson)가 직접 출력한 줄이 먼저 나오고, 이어서 관찰 스크립트(lab)가' +
    ' 같은 줄을 커널 쪽에서 본 것과 함께 다시 보여 줍니다(NOTES.ko.md 머리말).',
  heading: (entry) => `== ${entry.number}. ${koTitle(entry)} (${LEVEL_WORDS.ko[entry.level]}) ==`,
  lookAt: (entry) => `살펴볼 것: ${LOOK_AT.ko[entry.number]}`,
  prompt: (next) => `Enter: 다음 (${next.number}. ${koTitle(next)}). q 입력 후 Enter: 멈춤. `,
  failed: (script, ending) => `투어: ${script} 실행이 정상적으로 끝나지 않았습니다 (${ending})`,
  exitCode: (code) => `종료 코드 ${code}`,
  done: (completed, count) => `스크립트 ${count}개 중 ${completed}개가 끝까지 실행되었습니다.`,
  stopped: (completed, ran, rest) =>
    `멈춤: 스크립트 ${ran}개 중 ${completed}개가 끝까지 실행되었습니다. 이어서 하려면: npm start -- ${numbers(rest)}`,
  unknownWord: (word) => `"${word}": basics도 아니고 스크립트 번호도 아닙니다`,
  noScript: (name, numbers) => `"${name}"라는 스크립트는 없습니다. 있는 번호: ${numbers.join(', ')}`,
};

export const TOUR_TEXT: Readonly<Record<Lang, TourText>> = { en, ko };
