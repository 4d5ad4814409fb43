/**
 * @fails good-names
 * @mistake It takes "letters" for the ASCII letters a to z only: a Hangul name, letters too, is
 *   answered ERROR bad name.
 */
import { serveChat } from './chat-room.ts';

serveChat({ isName: (line) => /^[a-zA-Z0-9]{1,16}$/.test(line) });
