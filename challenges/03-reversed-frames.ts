/**
 * @title Length-prefixed frames, reversed
 * @task Level 3 (TCP). A frame is a 4-byte big-endian length, then that many bytes (0 to 1 MiB).
 *   Each frame is answered, in order, with a frame holding the same bytes in reverse order. Headers
 *   and payloads arrive cut anywhere, frames arrive coalesced, and a 0-length frame is valid. A
 *   client that sends 64 frames of 1 MiB without reading must not grow the server's peak memory
 *   (VmHWM, garbage not yet collected included) by more than 48 MiB; the server may drop it. 10
 *   clients are answered at once while a silent client holds a connection. A client that resets
 *   mid-frame costs that connection only.
 * @task-ko 레벨 3 (TCP). 프레임은 4바이트 빅엔디언(big-endian) 길이, 그리고 그 길이만큼의
 *   바이트(0~1 MiB)다. 프레임마다 순서대로, 같은 바이트를 거꾸로 담은 프레임으로 답한다. 헤더와
 *   페이로드는 어디서든 잘려 도착하고, 프레임 여러 개가 한데 붙어 도착하기도 하며, 길이가 0인
 *   프레임도 올바르다. 1 MiB짜리 프레임 64개를 보내기만 하고 읽지 않는 클라이언트가 있어도 서버의
 *   최대 메모리(VmHWM, 아직 치우지 않은 가비지도 포함)가 48 MiB보다 더 늘어서는 안 된다. 그
 *   클라이언트를 끊어 내도 된다. 말없는 클라이언트 하나가 연결을 붙잡고 있어도 클라이언트
 *   10개에게 한꺼번에 답한다. 프레임 도중에 리셋(RST)한 클라이언트 때문에 서버가 잃는 것은 그
 *   연결 하나뿐이다.
 * @run npm run challenge -- 3
 *   (by hand: PORT=7009 npx tsx challenges/03-reversed-frames.ts)
 */
import { type AddressInfo, createServer } from 'node:net';

const port = Number(process.env.PORT ?? 7009);
const host = process.env.HOST ?? '127.0.0.1';

/** The answer to one frame's payload: a frame of the same bytes, reversed. */
function answer(payload: Buffer): Buffer {
  const frame = Buffer.alloc(4 + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  // TODO: the payload's bytes, last first.
  //       (페이로드의 바이트를 마지막 것부터 거꾸로.)
  return frame;
}

const server = createServer((socket) => {
  socket.on('data', (chunk: Buffer) => {
    // TODO: a chunk is whatever read() returned, not a frame: find the frames in the stream.
    //       (청크는 프레임이 아니라 read() 한 번이 돌려준 것이다. 스트림에서 프레임을 찾아낸다.)
    console.log(`server: read ${chunk.length} bytes`);
  });
  // answer() is yours to call once a whole frame is in; until then `void` marks it as used.
  //       (프레임 하나가 다 오면 answer()를 부르세요. 그때까지는 `void`가 쓰인 것으로 표시해 둡니다.)
  void answer;
});

server.listen(port, host, () => {
  console.log(`server: listening on ${host}:${(server.address() as AddressInfo).port}`);
});
