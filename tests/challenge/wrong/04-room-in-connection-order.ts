/**
 * @fails many-at-once
 * @mistake It lists the room in the order its members connected: when clients connect at once
 *   and give their names in another order, the list is out of order, where the protocol lists
 *   the room in the order its members joined.
 */
import { serveChat } from './chat-room.ts';

serveChat({ listsInConnectionOrder: true });
