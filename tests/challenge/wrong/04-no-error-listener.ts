/**
 * @fails reset-mid-line
 * @mistake It has no 'error' listener on its sockets: a client's reset makes a read fail with
 *   ECONNRESET, Node throws the unheard error, and the whole room goes with the server.
 */
import { serveChat } from './chat-room.ts';

serveChat({ hearErrors: false });
