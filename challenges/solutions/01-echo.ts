/**
 * @title Echo (solution)
 * @task Level 1, echo (RFC 862 over TCP). Every byte that arrives goes back unchanged, binary-safe
 *   (all 256 byte values). 10 clients are answered at once while a silent client holds a
 *   connection. A client that reads its echo at its own pace may send 8 MiB, then half-close: every
 *   byte comes back, then the server closes its side. A client that sends without ever reading (up
 *   to 64 MiB) must not grow the server's peak memory (VmHWM, garbage not yet collected included)
 *   by more than 24 MiB; the server may drop it. A client that resets mid-request costs the server
 *   that connection only.
 * @run npm run challenge -- 1 challenges/solutions/01-echo.ts
 */
import { type AddressInfo, createServer } from 'node:net';

const port = Number(process.env.PORT ?? 7007);
const host = process.env.HOST ?? '127.0.0.1';

// Each 'connection' is one accept4(); every client has its own socket and its own events.
const server = createServer((socket) => {
  // pipe() writes back each Buffer as it is read, never decoded. When write() returns false (the
  // client reads slower than it sends) it pauses reading until 'drain'; after the client's FIN it
  // calls end(), which sends what is still queued before our own FIN.
  socket.pipe(socket);
  // A client's reset fails the next read with ECONNRESET; unheard, that error ends the process.
  socket.on('error', (error) => console.log(`server: ${error.message}`));
});

server.listen(port, host, () => {
  console.log(`server: listening on ${host}:${(server.address() as AddressInfo).port}`);
});
