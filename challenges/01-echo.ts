/**
 * @title Echo
 * @task Level 1, echo (RFC 862 over TCP). Every byte that arrives goes back unchanged,
 *   binary-safe (all 256 byte values). At least 10 clients are served at once; a client that
 *   sends nothing must not hold up the others. A client may send up to 8 MiB, reading its echo
 *   as it goes at its own pace, then half-close: every byte comes back before the server closes
 *   its side.
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
