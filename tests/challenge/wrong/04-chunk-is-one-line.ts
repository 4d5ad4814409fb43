/**
 * @fails coalesced
 * @mistake It takes what it has read, once it ends in \n, for one line: it waits for the end of a
 *   line, but a name and the lines after it that arrive in one read become one bad name.
 */
import { serveChat } from './chat-room.ts';

serveChat({
  lines(socket, handle) {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (!text.endsWith('\n')) return;
      handle(text.slice(0, -1));
      text = '';
    });
  },
});
