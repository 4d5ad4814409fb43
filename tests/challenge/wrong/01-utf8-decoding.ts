/**
 * @fails binary
 * @mistake It decodes what arrives as UTF-8 text and writes the text back: a byte that is not
 *   valid UTF-8 (0x80 to 0xff on its own) comes back as ef bf bd, the replacement character.
 */
import { createServer } from 'node:net';

const server = createServer((socket) => {
  socket.on('error', () => {});
  socket.setEncoding('utf8');
  socket.pipe(socket);
});
server.listen(Number(process.env.PORT), process.env.HOST);
