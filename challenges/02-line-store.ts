/**
 * @title Line key-value store
 * @task Level 2 (TCP). A request is a line ending in \n, of up to 64 KiB, and each gets one answer
 *   line, in order. `SET key value` answers `OK`: the key is one word, the value is the rest of the
 *   line. `GET key` answers `VALUE value`, or `NONE` if the key was never set. Anything else
 *   answers `ERROR unknown command` (commands are upper case: `get` is anything else). One store is
 *   shared by all clients. Values may hold any UTF-8 text, Hangul too. Requests may arrive cut at
 *   any byte (inside a character too), and several may come in one write. 10 clients are answered
 *   at once while a silent client holds a connection. A client that reads at its own pace and
 *   half-closes gets every answer, then the server closes its side. A client that resets
 *   mid-request costs that connection only. (This level's checker has no client that never reads;
 *   levels 1, 3 and 4 have one.)
 * @task-ko 레벨 2 (TCP). 요청은 \n으로 끝나는 한 줄이고 최대 64 KiB다. 요청마다 답이 한 줄씩,
 *   요청 순서대로 나간다. `SET key value`에는 `OK`로 답한다. key는 한 단어이고 value는 그 줄의
 *   나머지 전부다. `GET key`에는 `VALUE value`로 답하고, 한 번도 설정되지 않은 key라면 `NONE`으로
 *   답한다. 그 밖의 요청에는 `ERROR unknown command`로 답한다(명령은 대문자다. 소문자 `get`은 그
 *   밖의 요청이다). 저장소는 하나이고 모든 클라이언트가 함께 쓴다. value에는 한글을 포함해 어떤
 *   UTF-8 텍스트든 들어갈 수 있다. 요청은 어느 바이트에서든(글자 한가운데서도) 잘려 도착할 수
 *   있고, write 한 번에 요청 여러 개가 올 수도 있다. 말없는 클라이언트 하나가 연결을 붙잡고
 *   있어도 클라이언트 10개에게 한꺼번에 답한다. 제 속도로 읽다가 우아한 종료(half-close)를 하는
 *   클라이언트는 모든 답을 받고, 그다음 서버가 자기 쪽을 닫는다. 요청 도중에 리셋(RST)한
 *   클라이언트 때문에 서버가 잃는 것은 그 연결 하나뿐이다. (이 레벨의 검사기에는 전혀 읽지 않는
 *   클라이언트가 없다. 레벨 1, 3, 4에는 있다.)
 * @run npm run challenge -- 2
 *   (by hand: PORT=7008 npx tsx challenges/02-line-store.ts, then nc 127.0.0.1 7008)
 */
import { type AddressInfo, createServer } from 'node:net';

const port = Number(process.env.PORT ?? 7008);
const host = process.env.HOST ?? '127.0.0.1';

/** The answer to one request line, without its \n. */
function answer(line: string): string {
  // TODO: `SET key value` → OK; `GET key` → VALUE value, or NONE.
  //       (`SET key value`에는 OK, `GET key`에는 VALUE value나 NONE으로 답한다.)
  console.log(`server: request ${JSON.stringify(line)}`);
  return 'ERROR unknown command';
}

const server = createServer((socket) => {
  socket.on('data', (chunk: Buffer) => {
    // TODO: a 'data' chunk is whatever read() returned: part of a line, or several lines.
    //       ('data' 청크는 read() 한 번이 돌려준 것이다. 줄의 일부일 수도, 여러 줄일 수도 있다.)
    socket.write(`${answer(chunk.toString())}\n`);
  });
});

server.listen(port, host, () => {
  console.log(`server: listening on ${host}:${(server.address() as AddressInfo).port}`);
});
