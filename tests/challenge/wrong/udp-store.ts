/**
 * Level 5's answer, done right, for the known-wrong servers whose one mistake lies elsewhere
 * (in whom they answer, or what they answer to).
 */
export const VERSION = 'socket-notes level 5';

/** What a datagram asks: the reply to send, or undefined for a set (which changes `store`). */
export function answer(store: Map<string, string>, text: string): string | undefined {
  const equals = text.indexOf('=');
  if (equals < 0) return `${text}=${text === 'version' ? VERSION : (store.get(text) ?? '')}`;
  if (text.slice(0, equals) !== 'version') store.set(text.slice(0, equals), text.slice(equals + 1));
  return undefined;
}
