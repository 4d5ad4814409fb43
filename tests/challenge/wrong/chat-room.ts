/**
 * Level 4's room, done right, for the known-wrong servers whose one mistake lies elsewhere; each
 * passes the part it gets wrong as an option, and takes the rest from here.
 */
import { createServer, type Socket } from 'node:net';
import { onLines } from './line-store.ts';

export const NAME = /^[\p{L}\p{Nd}]{1,16}$/u;
const MOST_HELD = 1024 * 1024;

export interface ChatOptions {
  /** How a client's bytes become lines. */
  lines?: (socket: Socket, handle: (line: string) => void) => void;
  isName?: (line: string) => boolean;
  /** What the server does to a client whose name is bad. */
  reject?: (socket: Socket) => void;
  /** How a line reaches one other member; `from` is the member who said it, if anyone did. */
  send?: (socket: Socket, text: string, from?: Socket) => void;
  /** Whether a member that holds more than 1 MiB unread is dropped. */
  drops?: boolean;
  /** Whether a drop destroys the member's socket too, rather than only taking it out of the room. */
  closesDropped?: boolean;
  /** Whether the sender hears its own lines. */
  echo?: boolean;
  /** The event of a member's socket that makes it leave the room. */
  leaveOn?: 'close' | 'end';
  /** Whether the sockets get an 'error' listener. */
  hearErrors?: boolean;
  /** Whether the room is listed in the order its members connected, rather than joined. */
  listsInConnectionOrder?: boolean;
}

/** Starts the chat room on PORT and HOST. */
export function serveChat(options: ChatOptions = {}): void {
  const {
    lines = onLines,
    isName = (line: string) => NAME.test(line),
    reject = (socket: Socket) => socket.end('ERROR bad name\n'),
    send = (socket: Socket, text: string) => socket.write(text),
    drops = true,
    closesDropped = true,
    echo = false,
    leaveOn = 'close',
    hearErrors = true,
    listsInConnectionOrder = false,
  } = options;
  const room = new Map<Socket, string>();
  const connected: Socket[] = [];
  const listed = () =>
    listsInConnectionOrder ? connected.flatMap((socket) => room.get(socket) ?? []) : [...room.values()];
  const tell = (text: string, from?: Socket) => {
    for (const socket of room.keys()) {
      if ((!echo && socket === from) || socket.destroyed) continue;
      send(socket, `${text}\n`, from);
      if (drops && socket.writableLength > MOST_HELD) {
        leave(socket);
        if (closesDropped) socket.destroy();
      }
    }
  };
  function leave(socket: Socket): void {
    const name = room.get(socket);
    if (room.delete(socket)) tell(`* ${name} left`);
  }
  const server = createServer((socket) => {
    if (hearErrors) socket.on('error', () => {});
    connected.push(socket);
    socket.on('close', () => connected.splice(connected.indexOf(socket), 1));
    let name: string | undefined;
    lines(socket, (line) => {
      if (socket.writableEnded) return;
      if (name !== undefined) tell(`[${name}] ${line}`, socket);
      else if (!isName(line)) reject(socket);
      else {
        socket.write(`* in the room: ${listed().join(', ')}\n`);
        tell(`* ${line} joined`);
        name = line;
        room.set(socket, name);
      }
    });
    socket.on(leaveOn, () => leave(socket));
  });
  server.listen(Number(process.env.PORT), process.env.HOST);
}
