/**
 * The protocol of level 2, answered right, for the known-wrong servers whose one mistake lies
 * elsewhere (in how they read lines or treat connections).
 */
export type Store = Map<string, string>;

export function answer(store: Store, line: string): string {
  const [command, key = '', ...rest] = line.split(' ');
  if (command === 'SET' && key !== '' && rest.length > 0) {
    store.set(key, rest.join(' '));
    return 'OK';
  }
  if (command === 'GET' && key !== '' && rest.length === 0) {
    const value = store.get(key);
    return value === undefined ? 'NONE' : `VALUE ${value}`;
  }
  return 'ERROR unknown command';
}

/** Splits what arrives on `socket` into lines, keeping an unfinished one for the next read, as it should. */
export function onLines(socket: import('node:net').Socket, handle: (line: string) => void): void {
  let unfinished = '';
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    const lines = (unfinished + text).split('\n');
    unfinished = lines.pop() ?? '';
    for (const line of lines) handle(line);
  });
}
