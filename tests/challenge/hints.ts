/**
 * Hints that several levels give, word for word, for an attack they share (attacks.ts): each
 * level lists them among its own.
 */
import type { InEach } from '../../scripts/lib/questions.ts';

/** For reset-mid-request: a server that a client's reset brings down. */
export const RESET_HINTS: InEach<string>[] = [
  {
    en: 'what does your server do when a read fails?',
    ko: '읽기(read)가 실패하면 서버는 무엇을 하나요?',
  },
  {
    en:
      "a client's reset makes the next read fail with ECONNRESET; a socket with no 'error' listener throws " +
      'it, and the whole server exits',
    ko:
      "클라이언트가 리셋(RST)을 보내면 다음 읽기가 ECONNRESET으로 실패합니다. 'error' 리스너가 없는 소켓은 이 " +
      '오류를 던지고, 서버 전체가 종료됩니다.',
  },
];

/** For many-at-once: a server that serves its clients in turn. */
export const IN_TURN_HINTS: InEach<string>[] = [
  {
    en: 'does anything in your server wait for one client to finish before it answers another?',
    ko: '서버의 어딘가가 한 클라이언트가 끝나기를 기다린 뒤에야 다른 클라이언트에게 답하고 있지 않나요?',
  },
  {
    en:
      "each client gets its own socket and its own 'data' events; a server that serves clients in turn is held " +
      'up by the first one that sends nothing',
    ko:
      "클라이언트마다 자기 소켓과 자기 'data' 이벤트가 있습니다. 클라이언트를 차례로 하나씩 처리하는 서버는 " +
      '아무것도 보내지 않는 첫 클라이언트에게 붙잡힙니다.',
  },
];

/** For half-close: what end() and destroy() do with the bytes a socket has queued. */
export const END_OR_DESTROY_HINT: InEach<string> = {
  en:
    'end() sends what is queued, then a FIN; destroy() throws the queue away. With allowHalfOpen false, Node ' +
    "calls end() for you after 'end'.",
  ko:
    'end()는 큐에 남은 것을 보낸 다음 FIN을 보내고, destroy()는 큐를 버립니다. allowHalfOpen이 false이면 ' +
    "'end' 이벤트 뒤에 Node가 대신 end()를 호출합니다.",
};

/**
 * For cut-at-every-byte on a protocol of lines (levels 2 and 4): a server that answers each read as
 * if it were a line, or decodes each read on its own and breaks a Hangul letter cut between reads.
 */
export const CUT_LINE_HINTS: InEach<string>[] = [
  {
    en: "a 'data' event delivers what one read() returned: here, one byte. Where does the rest of the line wait?",
    ko:
      "'data' 이벤트 하나는 read() 한 번이 돌려준 것을 전합니다. 여기서는 1바이트입니다. 줄의 나머지는 어디서 " +
      '기다리나요?',
  },
  {
    en:
      'keep what follows the last \\n for the next read, and act only on lines that have ended. Decode with ' +
      "setEncoding('utf8'), which keeps a UTF-8 character cut between two reads whole: toString() on each read " +
      'turns each piece of a Hangul letter (three bytes, one per read) into its own U+FFFD, which goes back out ' +
      'as ef bf bd',
    ko:
      '마지막 \\n 뒤에 온 것은 다음 읽기를 위해 남겨 두고, 끝난 줄만 처리하세요. 디코딩은 ' +
      "setEncoding('utf8')로 하세요. setEncoding은 두 번의 읽기에 나뉘어 온 UTF-8 문자를 온전한 한 글자로 이어 " +
      '줍니다. 읽을 때마다 toString()을 부르면 한글 한 글자(3바이트)의 조각 하나하나가 각각 U+FFFD로 바뀌고, ' +
      '돌려보낼 때 ef bf bd가 됩니다.',
  },
];
