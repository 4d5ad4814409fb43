/**
 * @fails dropped-give-back-descriptors
 * @mistake It drops a member that holds more than 1 MiB unread by taking it out of the room and
 *   telling the others it left, but never destroys its socket: the connection stays open, and its
 *   descriptor with it, so under a descriptor limit the next clients are shut out.
 */
import { serveChat } from './chat-room.ts';

serveChat({ closesDropped: false });
