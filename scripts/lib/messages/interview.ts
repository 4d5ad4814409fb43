/**
 * Everything the interview view (`npm run exercise -- interview`) says, in English and Korean. Both
 * languages have the same type, so a sentence missing in one of them does not compile. A why
 * sentence may name what its run measured; the answers themselves are never written here.
 */
import type { BacklogObservations } from '../../lab/04-listen-backlog.ts';
import type { ByteStreamObservations } from '../../lab/06-read-write.ts';
import type { HandshakeObservations } from '../../lab/09-tcp-handshake.ts';
import type { UdpObservations } from '../../lab/10-udp-fire-and-forget.ts';
import type { LossyObservations } from '../../lab/15-lossy-link.ts';
import type { DeadPeerObservations } from '../../lab/16-dead-peer.ts';
import type { Lang } from '../lang.ts';

/** A question with options: the text of each option, by the value the measurement gives. */
export interface ChoiceWords<Value extends string, Seen> {
  ask: string;
  options: Record<Value, string>;
  why(seen: Seen): string;
}

/** A question answered by a number; its `ask` may name the lab's setting. */
export interface NumberWords<Setting, Seen> {
  ask(setting: Setting): string;
  unit?: string;
  why(seen: Seen): string;
}

/** How a TCP state is offered as an option: by its kernel name, as ss prints it. */
type States<Name extends string> = Record<Name, Name>;
const states = <Name extends string>(...names: Name[]) =>
  Object.fromEntries(names.map((name) => [name, name])) as States<Name>;

/** The seconds left on a TIME_WAIT timer when it was read, or '?' when ss was not there to read it. */
const timeWaitLeft = ({ life }: HandshakeObservations) => life.stages[2].timeWaitLeftS ?? '?';
const seconds = (ms: number) => (ms / 1000).toFixed(1);
/** The slowest client beyond 04's full queue: from its connect() to its 'connect' event, in seconds. */
const longestWaitS = ({ clients }: BacklogObservations) =>
  (Math.max(...clients.map((fate) => fate.connectedAfterMs)) / 1000).toFixed(2);

export interface InterviewQuestionWords {
  'time-wait': ChoiceWords<'first' | 'second' | 'both' | 'neither', HandshakeObservations>;
  'close-wait': ChoiceWords<'CLOSE_WAIT' | 'FIN_WAIT2' | 'LAST_ACK' | 'TIME_WAIT', HandshakeObservations>;
  'unanswered-syn': ChoiceWords<'SYN_SENT' | 'SYN_RECV' | 'ESTABLISHED', HandshakeObservations>;
  'backlog-count': NumberWords<{ backlog: number; extra: number }, BacklogObservations>;
  'lost-syn': ChoiceWords<'ECONNREFUSED' | 'waits' | 'ETIMEDOUT', BacklogObservations>;
  'tcp-boundaries': NumberWords<{ messages: number }, ByteStreamObservations>;
  'udp-boundaries': NumberWords<{ datagrams: number }, UdpObservations>;
  'write-delivered': ChoiceWords<'fails' | 'later-error' | 'never-told', DeadPeerObservations>;
  'lossy-tcp': NumberWords<{ loss: number; kib: number }, LossyObservations>;
}

export interface InterviewWords {
  usage: string;
  /** Shown with --help: the questions this view can ask, by id. */
  ids: (ids: readonly string[]) => string;
  unknownId: (id: string, ids: readonly string[]) => string;
  answerCount: (asked: number, given: number, skip: string) => string;
  badGivenAnswer: (number: number, text: string, hint: string) => string;
  wholeNumber: string;
  oneOf: (letters: readonly string[]) => string;
  prompt: (hint: string, skip: string) => string;
  notValid: (text: string, hint: string) => string;
  start: (count: number) => string;
  measuring: (labs: readonly string[]) => string;
  judged: (predicted: boolean) => string;
  unmeasured: (number: number, reason: string) => string;
  measured: (kernel: string) => string;
  skipped: (number: number, kernel: string) => string;
  right: (number: number, kernel: string) => string;
  wrong: (number: number, said: string, kernel: string) => string;
  noneOfTheOptions: (value: string | number) => string;
  why: (sentence: string) => string;
  /** The notes' section, in the notes of this language: "NOTES.ko.md §4.1 …". */
  read: (notes: string, section: string) => string;
  measuredBy: (lab: string) => string;
  score: (right: number, measured: number) => string;
  questions: InterviewQuestionWords;
}

const en: InterviewWords = {
  usage: 'npm run exercise -- interview [ID ...] [--answers a,3,?] [--lang en|ko]',
  ids: (ids) => `Questions (ask only some by naming them): ${ids.join(', ')}`,
  unknownId: (id, ids) => `"${id}" is not an interview question; the questions: ${ids.join(', ')}`,
  answerCount: (asked, given, skip) =>
    `the interview asks ${asked} question${asked === 1 ? '' : 's'}; ` +
    `--answers gave ${given} (write ${skip} to skip one)`,
  badGivenAnswer: (number, text, hint) => `answer ${number} ("${text}") should be ${hint}`,
  wholeNumber: 'a whole number',
  oneOf: (letters) => `one of ${letters.join(', ')}`,
  prompt: (hint, skip) => `your answer (${hint}; ${skip} skips): `,
  notValid: (text, hint) => `"${text}" is not ${hint}.\n`,
  start: (count) =>
    `A network interview: ${count} classic question${count === 1 ? '' : 's'}. ` +
    'Answer, then the kernel of this machine judges each one.',
  measuring: (labs) => `Measuring (${labs.join(', ')})...`,
  judged: (predicted) => (predicted ? 'Your answers against the kernel:' : 'The questions, answered by the kernel:'),
  unmeasured: (number, reason) => `${number}. not measured here: ${reason}`,
  measured: (kernel) => `   the kernel: ${kernel}`,
  skipped: (number, kernel) => `${number}. skipped; the kernel: ${kernel}`,
  right: (number, kernel) => `${number}. right: ${kernel}`,
  wrong: (number, said, kernel) => `${number}. wrong: you said ${said}; the kernel: ${kernel}`,
  noneOfTheOptions: (value) => `${value} (none of the options)`,
  why: (sentence) => `   why: ${sentence}`,
  read: (notes, section) => `   read: ${notes} ${section}`,
  measuredBy: (lab) => `   measured by: npm run exercise -- ${lab}`,
  score: (right, measured) => `${right} of ${measured} measured questions right.`,
  questions: {
    'time-wait': {
      ask: 'Which side of a TCP connection is left in TIME_WAIT after both have closed?',
      options: {
        first: 'the side that closed first (sent the first FIN)',
        second: 'the side that closed second',
        both: 'both sides',
        neither: 'neither: both sockets are gone',
      },
      why: (seen) =>
        `the side that closes first sends the last ACK and keeps the connection's pair in TIME_WAIT ` +
        `(${timeWaitLeft(seen)} s left when read), so late segments cannot be taken for a new connection`,
    },
    'close-wait': {
      ask:
        'The peer closed its end (its FIN arrived) and your program has read end-of-file but never calls ' +
        'close(). Your socket’s state?',
      options: states('CLOSE_WAIT', 'FIN_WAIT2', 'LAST_ACK', 'TIME_WAIT'),
      why: () =>
        'the kernel acknowledged the FIN and waits for the program to close; a server that forgets close() keeps ' +
        'one such socket per connection, which is how CLOSE_WAIT piles up',
    },
    'unanswered-syn': {
      ask: "A client's SYN gets no SYN-ACK back (it was dropped). The client's state while it waits?",
      options: states('SYN_SENT', 'SYN_RECV', 'ESTABLISHED'),
      why: () => 'no SYN-ACK came back, so the client is still at the first step of the 3-way handshake',
    },
    'backlog-count': {
      ask: ({ backlog, extra }) =>
        `A server calls listen(fd, ${backlog}) and never calls accept(); ${backlog + 1 + extra} clients call ` +
        'connect(). ' +
        'How many of the connect() calls complete?',
      why: (seen) =>
        `the kernel finishes handshakes on its own while the accept queue has room, and on Linux the queue is full ` +
        `only when it holds more than the backlog: backlog + 1 = ${seen.backlog + 1}`,
    },
    'lost-syn': {
      ask: "A client's SYN is dropped without a reply (here by a listener whose accept queue is full). The client:",
      options: {
        ECONNREFUSED: 'connect() fails at once with ECONNREFUSED',
        waits: 'connect() waits, sends the SYN again, and gets in once there is room',
        ETIMEDOUT: 'connect() fails at once with ETIMEDOUT',
      },
      why: (seen) =>
        'a dropped SYN brings no reset, so no ECONNREFUSED; the client sends it again when its retransmission ' +
        `timer fires (the first after 1 s) and got in ${longestWaitS(seen)} s after connect() here`,
    },
    'tcp-boundaries': {
      ask: ({ messages }) =>
        `A TCP client write()s ${messages} short messages while the server has paused reading. The server ` +
        "resumes: how many 'data' events does it get?",
      why: ({ coalesce }) =>
        `TCP is a byte stream: the ${coalesce.bytesWritten} bytes waited in one receive queue and a read took ` +
        'as much as was there, so the program must mark where each message ends (a length prefix, say)',
    },
    'udp-boundaries': {
      ask: ({ datagrams }) =>
        `A UDP client sends ${datagrams} messages of different sizes (the first one empty) back to back. ` +
        "How many 'message' events does the receiver get?",
      why: () =>
        'UDP keeps message boundaries: each send is one datagram and each receive takes exactly one, an empty one ' +
        'included (TCP is a byte stream and keeps none)',
    },
    'write-delivered': {
      ask: 'Does TCP guarantee delivery? The peer host vanishes and your program write()s on the connection:',
      options: {
        fails: 'write() fails at once',
        'later-error': 'write() succeeds; the loss is reported later, by an error on the socket',
        'never-told': 'write() succeeds and nothing ever reports the loss',
      },
      why: ({ endings, retries }) => {
        const { code, afterMs } = endings.retransmitting;
        const ending = code
          ? `the connection failed with ${code} ${seconds(afterMs)} s after the peer vanished, when the ` +
            `retransmissions ran out (tcp_retries2 lowered to ${retries} in this lab)`
          : `no error came within ${seconds(afterMs)} s`;
        return `write() only hands the bytes to the local kernel; ${ending}`;
      },
    },
    'lossy-tcp': {
      ask: ({ loss, kib }) =>
        `A link drops about ${loss}% of the packets that carry data. How many bytes of ${kib} KiB sent over TCP ` +
        'fail to arrive?',
      unit: 'bytes',
      why: ({ tcp }) =>
        `the link dropped ${tcp.droppedByRule} segments and the sender's kernel retransmitted ` +
        `${tcp.lossy.retransmittedSegments}, each after missing its acknowledgement`,
    },
  },
};

const ko: InterviewWords = {
  usage: 'npm run exercise -- interview [ID ...] [--answers a,3,?] [--lang en|ko]',
  ids: (ids) => `질문 목록 (이름을 적으면 그 질문만 묻는다): ${ids.join(', ')}`,
  unknownId: (id, ids) => `"${id}"라는 면접 질문은 없다. 질문 목록: ${ids.join(', ')}`,
  answerCount: (asked, given, skip) =>
    `면접 질문은 ${asked}개인데 --answers에 답이 ${given}개 있다 (건너뛸 질문에는 ${skip}를 쓴다)`,
  badGivenAnswer: (number, text, hint) => `${number}번 답("${text}")은 ${hint}여야 한다`,
  wholeNumber: '정수',
  oneOf: (letters) => `${letters.join(', ')} 중 하나`,
  prompt: (hint, skip) => `답 (${hint}, ${skip}는 건너뛰기): `,
  notValid: (text, hint) => `"${text}"는 ${hint}가 아니다.\n`,
  start: (count) =>
    `네트워크 기술 면접: 단골 질문 ${count}개. 먼저 답하면, 이 컴퓨터의 커널이 측정으로 하나씩 채점한다.`,
  measuring: (labs) => `측정 중 (${labs.join(', ')})...`,
  judged: (predicted) => (predicted ? '내 답과 커널의 답:' : '커널이 측정으로 답한 질문:'),
  unmeasured: (number, reason) => `${number}. 여기서는 측정하지 못했다: ${reason}`,
  measured: (kernel) => `   커널: ${kernel}`,
  skipped: (number, kernel) => `${number}. 건너뜀. 커널: ${kernel}`,
  right: (number, kernel) => `${number}. 정답: ${kernel}`,
  wrong: (number, said, kernel) => `${number}. 오답: 내 답 ${said}, 커널: ${kernel}`,
  noneOfTheOptions: (value) => `${value} (보기에 없음)`,
  why: (sentence) => `   이유: ${sentence}`,
  read: (notes, section) => `   읽을 곳: ${notes} ${section}`,
  measuredBy: (lab) => `   측정: npm run exercise -- ${lab}`,
  score: (right, measured) => `측정한 질문 ${measured}개 중 ${right}개 정답.`,
  questions: {
    'time-wait': {
      ask: '양쪽이 모두 연결을 닫은 뒤, TCP 연결의 어느 쪽이 TIME_WAIT 상태로 남는가?',
      options: {
        first: '먼저 닫은 쪽 (첫 FIN을 보낸 쪽)',
        second: '나중에 닫은 쪽',
        both: '양쪽 모두',
        neither: '어느 쪽도 아니다: 두 소켓 모두 사라진다',
      },
      why: (seen) =>
        '먼저 닫은 쪽이 마지막 ACK를 보내고 그 연결의 주소 쌍을 TIME_WAIT으로 붙잡아 둔다 ' +
        `(읽었을 때 ${timeWaitLeft(seen)}초 남음). 늦게 도착한 세그먼트가 새 연결의 것으로 오인되지 않게 하려는 것이다`,
    },
    'close-wait': {
      ask: '상대가 먼저 연결을 닫았고(FIN 도착), 내 프로그램은 EOF까지 읽었지만 close()를 호출하지 않는다. 내 소켓의 상태는?',
      options: states('CLOSE_WAIT', 'FIN_WAIT2', 'LAST_ACK', 'TIME_WAIT'),
      why: () =>
        '커널은 FIN에 ACK를 보낸 뒤 프로그램이 close()할 때까지 기다린다. close()를 빠뜨린 서버에는 연결마다 ' +
        '이런 소켓이 하나씩 남는다. CLOSE_WAIT이 쌓이는 이유가 이것이다',
    },
    'unanswered-syn': {
      ask: '클라이언트의 SYN에 SYN-ACK이 돌아오지 않는다(SYN이 버려졌다). 기다리는 동안 클라이언트의 상태는?',
      options: states('SYN_SENT', 'SYN_RECV', 'ESTABLISHED'),
      why: () => 'SYN-ACK을 받지 못했으니 클라이언트는 아직 3-way 핸드셰이크의 첫 단계에 머물러 있다',
    },
    'backlog-count': {
      ask: ({ backlog, extra }) =>
        `서버가 listen(fd, ${backlog})을 호출하고 accept()는 한 번도 호출하지 않는다. ` +
        `클라이언트 ${backlog + 1 + extra}개가 ` +
        'connect()를 호출하면, 그중 몇 개의 connect()가 완료되는가?',
      why: (seen) =>
        '연결 대기 큐(accept 큐)에 자리가 있는 동안 커널이 알아서 핸드셰이크를 끝내고, Linux에서는 큐에 backlog보다 ' +
        `많이 들어 있을 때에야 꽉 찬 것으로 본다: backlog + 1 = ${seen.backlog + 1}`,
    },
    'lost-syn': {
      ask: '클라이언트의 SYN이 응답 없이 버려진다(여기서는 연결 대기 큐가 꽉 찬 서버가 버린다). 클라이언트는?',
      options: {
        ECONNREFUSED: 'connect()가 곧바로 ECONNREFUSED로 실패한다',
        waits: 'connect()가 기다리며 SYN을 재전송하고, 자리가 나면 연결된다',
        ETIMEDOUT: 'connect()가 곧바로 ETIMEDOUT으로 실패한다',
      },
      why: (seen) =>
        '버려진 SYN에는 RST가 오지 않으니 ECONNREFUSED도 없다. 클라이언트는 재전송 타이머가 만료되면(첫 번째는 1초 ' +
        `뒤) SYN을 다시 보내고, 여기서는 connect() 후 ${longestWaitS(seen)}초 만에 연결되었다`,
    },
    'tcp-boundaries': {
      ask: ({ messages }) =>
        `서버가 읽기를 멈춘 동안 TCP 클라이언트가 짧은 메시지 ${messages}개를 write()로 연달아 보낸다. ` +
        "서버가 다시 읽기 시작하면 'data' 이벤트는 몇 번 오는가?",
      why: ({ coalesce }) =>
        `TCP는 바이트 스트림이다: ${coalesce.bytesWritten}바이트가 수신 큐 하나에 쌓여 있었고, 한 번 읽을 때 ` +
        '거기 있는 만큼 가져갔다. 그래서 메시지가 어디서 끝나는지는 프로그램이 표시해야 한다(길이 접두사 등)',
    },
    'udp-boundaries': {
      ask: ({ datagrams }) =>
        `UDP 클라이언트가 크기가 서로 다른 메시지 ${datagrams}개(첫 번째는 빈 메시지)를 연달아 보낸다. ` +
        "수신 측에 'message' 이벤트는 몇 번 오는가?",
      why: () =>
        'UDP는 메시지 경계를 지킨다: 한 번 보내면 데이터그램 하나이고, 한 번 받으면 정확히 하나를 가져간다(빈 것도). ' +
        'TCP는 바이트 스트림이라 경계가 없다',
    },
    'write-delivered': {
      ask: 'TCP는 전달을 100% 보장하는가? 상대 호스트가 사라진 연결에 내 프로그램이 write()를 호출하면:',
      options: {
        fails: 'write()가 곧바로 실패한다',
        'later-error': 'write()는 성공하고, 전달 실패는 나중에 소켓의 에러로 알게 된다',
        'never-told': 'write()는 성공하고, 전달 실패는 끝내 알 수 없다',
      },
      why: ({ endings, retries }) => {
        const { code, afterMs } = endings.retransmitting;
        const ending = code
          ? `재전송이 모두 실패한 뒤, 상대가 사라지고 ${seconds(afterMs)}초 만에 연결이 ${code} 에러로 ` +
            `끝났다 (이 관찰 스크립트는 tcp_retries2를 ${retries}로 낮췄다)`
          : `${seconds(afterMs)}초 동안 아무 에러도 오지 않았다`;
        return `write()는 바이트를 자기 커널에 넘겨줄 뿐이다. ${ending}`;
      },
    },
    'lossy-tcp': {
      ask: ({ loss, kib }) =>
        `데이터를 실은 패킷의 약 ${loss}%를 버리는 링크가 있다. TCP로 ${kib} KiB를 보내면 도착하지 못하는 바이트는?`,
      unit: '바이트',
      why: ({ tcp }) =>
        `링크가 세그먼트 ${tcp.droppedByRule}개를 버렸고, 보내는 쪽 커널이 ACK를 받지 못한 세그먼트 ` +
        `${tcp.lossy.retransmittedSegments}개를 재전송했다`,
    },
  },
};

export const INTERVIEW_WORDS: Record<Lang, InterviewWords> = { en, ko };
