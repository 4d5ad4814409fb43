/**
 * @title UDP key-value store
 * @task Level 5 (UDP). A datagram containing `=` sets the key (everything before the first `=`) to
 *   the value (everything after that first `=`, later `=` signs included: `k=a=b` sets k to `a=b`).
 *   A datagram without `=` is a query, answered to its sender with one datagram `key=value`, with
 *   an empty value for an unknown key. The key `version` answers `version=` followed by a non-empty
 *   text of the server's choosing, the same every time, and cannot be set. Datagrams are up to
 *   1,000 bytes. No connection, no reply to a set.
 * @task-ko 레벨 5 (UDP). `=`가 들어 있는 데이터그램은 값 넣기다. 첫 `=` 앞의 모든 것이 key, 첫
 *   `=` 뒤의 모든 것이 value다(그 뒤의 `=`도 value에 들어간다. `k=a=b`는 k에 `a=b`를 넣는다).
 *   `=`가 없는 데이터그램은 질의이고, 보낸 쪽에 `key=value` 형식의 데이터그램 하나로 답한다.
 *   모르는 key라면 value가 비어 있다. key `version`에는 `version=` 뒤에 서버가 정한, 비어 있지
 *   않은 텍스트를 붙여 답하고(답은 매번 같다), 이 key에는 값을 넣을 수 없다. 데이터그램은 최대
 *   1,000바이트다. 연결은 없고, 값 넣기에는 답하지 않는다.
 * @run npm run challenge -- 5
 *   (by hand: PORT=7011 npx tsx challenges/05-udp-store.ts, then nc -u 127.0.0.1 7011)
 */
import { createSocket } from 'node:dgram';

const port = Number(process.env.PORT ?? 7011);
const host = process.env.HOST ?? '127.0.0.1';

// socket(AF_INET, SOCK_DGRAM): no listen(), no accept(); every datagram comes with its sender.
const socket = createSocket('udp4');

socket.on('message', (datagram: Buffer, sender) => {
  console.log(`server: ${datagram.length} bytes from ${sender.address}:${sender.port}`);
  // TODO: a set, or a query answered with one datagram back to its sender.
  //       (값 넣기이거나, 보낸 쪽에 데이터그램 하나로 답하는 질의다.)
});

// bind(): the address and port datagrams are sent to.
socket.bind(port, host, () => {
  console.log(`server: bound to ${host}:${socket.address().port}`);
});
