/**
 * @fails cut-at-every-byte
 * @mistake It turns each read into text on its own (`chunk.toString()`): a Hangul character,
 *   three bytes in UTF-8, cut between two reads becomes broken halves (U+FFFD) in the line.
 */
import { serveChat } from './chat-room.ts';

serveChat({
  lines(socket, handle) {
    let unfinished = '';
    socket.on('data', (chunk: Buffer) => {
      const lines = (unfinished + chunk.toString()).split('\n');
      unfinished = lines.pop() ?? '';
      for (const line of lines) handle(line);
    });
  },
});
