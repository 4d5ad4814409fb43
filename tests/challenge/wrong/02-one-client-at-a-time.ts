/**
 * @fails many-at-once
 * @mistake It serves one client at a time: the others wait, unread, until the one being served
 *   leaves, so a client that connects and sends nothing holds up everyone behind it.
 */
import { createServer } from 'node:net';
import { inTurn } from './in-turn.ts';
import { answer, onLines } from './line-store.ts';

const store = new Map<string, string>();
const server = createServer(inTurn((socket) => onLines(socket, (line) => socket.write(`${answer(store, line)}\n`))));
server.listen(Number(process.env.PORT), process.env.HOST);
