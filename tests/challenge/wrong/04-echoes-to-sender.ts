/**
 * @fails protocol
 * @mistake It sends each line to every member of the room, its sender too: a client hears its
 *   own lines come back as [NAME] text, where a line goes to the others only.
 */
import { serveChat } from './chat-room.ts';

serveChat({ echo: true });
