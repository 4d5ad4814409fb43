/**
 * @fails bad-names
 * @mistake It answers ERROR bad name and leaves the connection open, waiting for another try:
 *   the protocol closes it after the answer.
 */
import { serveChat } from './chat-room.ts';

serveChat({ reject: (socket) => socket.write('ERROR bad name\n') });
