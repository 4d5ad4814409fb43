/**
 * @fails protocol
 * @mistake It answers nothing to a frame of length 0, as if there were nothing to reverse: a
 *   0-length frame is valid, and is due a 0-length frame back.
 */
import { createServer } from 'node:net';
import { answerFrames, reversedFrame } from './frames.ts';

const server = createServer((socket) => {
  socket.on('error', () => {});
  answerFrames(socket, (payload) => (payload.length === 0 ? Buffer.alloc(0) : reversedFrame(payload)));
});
server.listen(Number(process.env.PORT), process.env.HOST);
