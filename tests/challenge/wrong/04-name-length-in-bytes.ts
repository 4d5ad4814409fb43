/**
 * @fails good-names
 * @mistake It counts a name's length in bytes: 16 Hangul letters are 48 bytes of UTF-8, and a
 *   name of 16 characters is turned away.
 */
import { NAME, serveChat } from './chat-room.ts';

serveChat({ isName: (line) => Buffer.byteLength(line) <= 16 && NAME.test(line) });
