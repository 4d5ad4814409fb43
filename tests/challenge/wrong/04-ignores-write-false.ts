/**
 * @fails never-reads
 * @mistake It writes every line to every member without looking at what write() returns, and
 *   never drops anyone: what a client that never reads is due piles up in the server's memory.
 */
import { serveChat } from './chat-room.ts';

serveChat({ drops: false });
