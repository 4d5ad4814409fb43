/**
 * @title Echo
 * @task Level 1, echo (RFC 862 over TCP). Every byte that arrives goes back unchanged,
 *   binary-safe (all 256 byte values). At least 10 clients are served at once; a client that
 *   sends nothing must not hold up the others. A client may send up to 8 MiB, reading its echo
 *   as it goes at its own pace, then half-close: every byte comes back before the server closes
 *   its side.
 * @task-ko 레벨 1, 에코(echo, RFC 862, TCP). 들어온 바이트는 모두 바꾸지 않고 그대로 돌려준다.
 *   바이너리도 그대로여야 한다(0부터 255까지 모든 바이트 값). 클라이언트 10개 이상을 한꺼번에
 *   받고, 아무것도 보내지 않는 클라이언트 때문에 다른 클라이언트가 기다려서는 안 된다.
 *   클라이언트는 최대 8 MiB를 보내면서 에코를 제 속도로 읽다가 half-close(우아한 종료)를 한다.
 *   서버는 자기 쪽을 닫기 전에 모든 바이트를 돌려줘야 한다.
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
});

// listen(): socket() + bind() + listen(), on HOST only.
server.listen(port, host, () => {
  console.log(`server: listening on ${host}:${(server.address() as AddressInfo).port}`);
});
