/**
 * @fails many-at-once
 * @mistake It serves one client at a time: the others wait in a queue until the one being served
 *   leaves, so a client that connects and sends nothing holds up everyone behind it.
 */
import { createServer } from 'node:net';
import { inTurn } from './in-turn.ts';

const server = createServer(inTurn((socket) => socket.pipe(socket)));
server.listen(Number(process.env.PORT), process.env.HOST);
