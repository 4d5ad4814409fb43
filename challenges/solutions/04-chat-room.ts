/**
 * @title Chat room (solution)
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
 * @run npm run challenge -- 4 challenges/solutions/04-chat-room.ts
 */
import { type AddressInfo, createServer, type Socket } from 'node:net';

const port = Number(process.env.PORT ?? 7010);
const host = process.env.HOST ?? '127.0.0.1';

// Letters (Unicode's category L, Hangul included) or decimal digits; \p{...} needs the u flag,
// and {1,16} counts characters, not the bytes of UTF-8 (a Hangul letter is three).
const NAME = /^[\p{L}\p{Nd}]{1,16}$/u;
const MOST_HELD = 1024 * 1024;

// The joined clients and their names; a Map keeps the order they joined in.
const room = new Map<Socket, string>();

/** Sends `line` to every joined client but `from`. */
function tell(line: string, from?: Socket): void {
  for (const socket of room.keys()) {
    if (socket === from || socket.destroyed) continue;
    socket.write(`${line}\n`);
    // What the kernel would not take waits in this process (writableLength). A client that never
    // reads would make it grow without end: past 1 MiB, it is dropped ('close' tells the room).
    if (socket.writableLength > MOST_HELD) socket.destroy();
  }
}

// Each 'connection' is one accept4(); every client has its own socket and its own events.
const server = createServer((socket) => {
  let name: string | undefined;
  // A read may end inside a line or hold several: keep what has not yet ended in \n for the next.
  let unfinished = '';
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    const lines = (unfinished + text).split('\n');
    unfinished = lines.pop() ?? '';
    for (const line of lines) {
      if (socket.writableEnded) return;
      if (name !== undefined) tell(`[${name}] ${line}`, socket);
      else if (!NAME.test(line)) socket.end('ERROR bad name\n');
      else {
        socket.write(`* in the room: ${[...room.values()].join(', ')}\n`);
        tell(`* ${line} joined`);
        name = line;
        room.set(socket, name);
      }
    }
  });
  // 'close' comes however the client went: its FIN, a reset, or our own destroy().
  socket.on('close', () => {
    if (room.delete(socket)) tell(`* ${name} left`);
  });
  socket.on('error', (error) => console.log(`server: ${error.message}`));
});

server.listen(port, host, () => {
  console.log(`server: listening on ${host}:${(server.address() as AddressInfo).port}`);
});
