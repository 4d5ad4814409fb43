/**
 * @fails reset-mid-line
 * @mistake It announces a leave on 'end', the client's FIN (and on its own drops): a client that
 *   resets sends no FIN, its socket gets 'error' and 'close' but never 'end', and the room is
 *   never told it left.
 */
import { serveChat } from './chat-room.ts';

serveChat({ leaveOn: 'end' });
