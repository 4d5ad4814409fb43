/**
 * @fails never-reads
 * @mistake It writes every answer without looking at what write() returns: when the client does
 *   not read, the answers pile up in the server's own memory instead of pausing the reads.
 */
import { createServer } from 'node:net';
import { answerFrames, reversedFrame } from './frames.ts';

const server = createServer((socket) => {
  socket.on('error', () => {});
  answerFrames(socket, reversedFrame, true);
});
server.listen(Number(process.env.PORT), process.env.HOST);
