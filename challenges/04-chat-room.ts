/**
 * @title Chat room
 * @task Level 4 (TCP, lines ending in \n). The first line is the client's name: 1 to 16 letters or
 *   digits (any script's letters, Hangul too; counted in characters). Otherwise the answer is
 *   `ERROR bad name` and the server closes. A client joins when its name arrives; until then it is
 *   not in the room and receives nothing. A client that joins receives `* in the room: a, b` (the
 *   others, by join order; with nobody there, `* in the room: ` and the line ends); the others
 *   receive `* NAME joined`. Each later line goes, in order, to every other joined client as
 *   `[NAME] text`. Lines may arrive cut at any byte (inside a character too), several may come in
 *   one write (the name among them), and a line has no length limit (the checker sends lines of
 *   256 KiB). A client leaves when its connection ends, however it ends (a FIN, a reset, or a
 *   drop): the server closes that connection and, if the client had joined, the others receive
 *   `* NAME left`; a line it had not finished goes to nobody. 20 clients at once. A client that
 *   never reads must not stall the others, nor grow the server's peak memory (VmHWM) by more than
 *   48 MiB: the server may drop it once it holds more than 1 MiB for it. A client that resets costs
 *   the server that connection only.
 * @task-ko 레벨 4 (TCP, \n으로 끝나는 줄). 첫 줄은 클라이언트의 이름이다. 글자나 숫자
 *   1~16자이고(어느 문자 체계의 글자든 되며 한글도 된다. 문자 수로 센다), 그렇지 않으면
 *   `ERROR bad name`으로 답하고 서버가 연결을 닫는다. 클라이언트는 이름이 도착할 때 방에
 *   들어온다. 그 전에는 방에 없으므로 아무것도 받지 않는다. 들어온 클라이언트는
 *   `* in the room: a, b`를 받는다(먼저 와 있던 사람들, 이름이 도착해 방에 들어온 순서대로.
 *   아무도 없으면 `* in the room: `에서 줄이 끝난다). 다른 사람들은 `* NAME joined`를 받는다. 그
 *   뒤에 오는 줄은 한 줄씩 온 순서대로, 방에 들어와 있는 다른 클라이언트 모두에게 `[NAME] text`로
 *   간다. 줄은 어느 바이트에서든(글자 한가운데서도) 잘려 도착할 수 있고, write 한 번에 여러
 *   줄이(이름까지) 올 수도 있으며, 줄 길이에는 제한이 없다(검사기는 256 KiB짜리 줄도 보낸다).
 *   클라이언트는 연결이 어떻게 끝나든(FIN, 리셋(RST), 끊어 내기) 나간 것이다. 서버는 그 연결을
 *   닫고, 방에 들어와 있던 클라이언트라면 남은 사람들이 `* NAME left`를 받는다. 끝나지 않은 줄은
 *   아무에게도 가지 않는다. 클라이언트 20개가 한꺼번에 접속한다. 전혀 읽지 않는 클라이언트 때문에
 *   다른 클라이언트가 멈춰서도, 서버의 최대 메모리(VmHWM)가 48 MiB보다 더 늘어서도 안 된다.
 *   서버가 그 클라이언트 몫으로 1 MiB 넘게 들고 있게 되면 그 클라이언트를 끊어 내도 된다. 리셋한
 *   클라이언트 때문에 서버가 잃는 것은 그 연결 하나뿐이다.
 * @run npm run challenge -- 4
 *   (by hand: PORT=7010 npx tsx challenges/04-chat-room.ts, then nc 127.0.0.1 7010 in two shells)
 */
import { type AddressInfo, createServer, type Socket } from 'node:net';

const port = Number(process.env.PORT ?? 7010);
const host = process.env.HOST ?? '127.0.0.1';

// The joined clients and their names; a Map keeps the order they joined in.
const room = new Map<Socket, string>();

// Each 'connection' event is one accept4(): a new socket for one client.
const server = createServer((socket) => {
  socket.on('data', (chunk: Buffer) => {
    // TODO: a 'data' chunk is whatever one read() returned, not a line. The first line is the
    // name; each line after it goes to the others in the room.
    //       ('data' 청크는 줄이 아니라 read() 한 번이 돌려준 것이다. 첫 줄은 이름이고,
    //       그 뒤의 줄은 한 줄씩 방의 다른 사람들에게 간다.)
    console.log(`server: read ${JSON.stringify(chunk.toString())}, room of ${room.size}`);
  });
  // TODO: when this client leaves, tell the others.
  //       (이 클라이언트가 나가면 다른 사람들에게 알린다.)
});

// listen(): socket() + bind() + listen(), on HOST only.
server.listen(port, host, () => {
  console.log(`server: listening on ${host}:${(server.address() as AddressInfo).port}`);
});
