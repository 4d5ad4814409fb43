/**
 * @title Echo
 * @task Level 1, echo (RFC 862 over TCP). Every byte that arrives goes back unchanged, binary-safe
 *   (all 256 byte values). 10 clients are answered at once while a silent client holds a
 *   connection. A client that reads its echo at its own pace may send 8 MiB, then half-close: every
 *   byte comes back, then the server closes its side. A client that sends without ever reading (up
 *   to 64 MiB) must not grow the server's peak memory (VmHWM, garbage not yet collected included)
 *   by more than 24 MiB; the server may drop it. A client that resets mid-request costs the server
 *   that connection only.
 * @task-ko 레벨 1, 에코(echo, RFC 862, TCP). 들어온 바이트는 모두 바꾸지 않고 그대로 돌려준다.
 *   바이너리도 그대로여야 한다(0부터 255까지 모든 바이트 값). 말없는 클라이언트 하나가 연결을
 *   붙잡고 있어도 클라이언트 10개에게 한꺼번에 답한다. 에코를 제 속도로 읽는 클라이언트는 8 MiB를
 *   보낸 뒤 우아한 종료(half-close)를 할 수 있다. 서버는 모든 바이트를 돌려준 다음 자기 쪽을
 *   닫는다. 보내기만 하고 전혀 읽지 않는 클라이언트(최대 64 MiB)가 있어도 서버의 최대
 *   메모리(VmHWM, 아직 치우지 않은 가비지도 포함)가 24 MiB보다 더 늘어서는 안 된다. 그
 *   클라이언트를 끊어 내도 된다. 요청 도중에 리셋(RST)한 클라이언트 때문에 서버가 잃는 것은 그
 *   연결 하나뿐이다.
 * @run npm run challenge -- 1
 *   (by hand: PORT=7007 npx tsx challenges/01-echo.ts, then nc 127.0.0.1 7007)
 */
import { type AddressInfo, createServer } from 'node:net';

// The checker gives PORT (0: the kernel picks a free one) and HOST in the environment.
const port = Number(process.env.PORT ?? 7007);
const host = process.env.HOST ?? '127.0.0.1';

// Each 'connection' event is one accept4(): a new socket for one client.
const server = createServer((socket) => {
  console.log(`server: ${socket.remoteAddress}:${socket.remotePort} connected`);
  // TODO: send every byte that arrives back to this client, unchanged.
  //       (들어온 바이트를 모두 바꾸지 않고 이 클라이언트에게 돌려준다.)
});

// listen(): socket() + bind() + listen(), on HOST only.
server.listen(port, host, () => {
  console.log(`server: listening on ${host}:${(server.address() as AddressInfo).port}`);
});
