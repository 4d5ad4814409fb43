/**
 * @fails never-reads
 * @mistake When write() returns false for any member, it stops reading the sender until that
 *   member drains: a client that never reads never drains, and the whole room stalls behind it.
 */
import { serveChat } from './chat-room.ts';

serveChat({
  send(socket, text, from) {
    if (socket.write(text) || !from) return;
    from.pause();
    socket.once('drain', () => from.resume());
  },
});
