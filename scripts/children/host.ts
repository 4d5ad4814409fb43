/**
 * One "host": a Node process alone in a network namespace that scripts/lib/hosts.ts made for it.
 * It runs exported functions of the collection's own modules on request, so that their sockets,
 * routes and tools live in this host's namespace: { id, module, fn, args } in, { id, value } or
 * { id, error, code } back. It exits when the script that started it goes away.
 */
import { readlinkSync } from 'node:fs';

interface Call {
  id: number;
  module: string;
  fn: string;
  args: unknown[];
}

process.on('message', async ({ id, module, fn, args }: Call) => {
  try {
    const exports = (await import(module)) as Record<string, (...values: unknown[]) => unknown>;
    process.send!({ id, value: await exports[fn](...args) });
  } catch (error) {
    process.send!({ id, error: (error as Error).message, code: (error as NodeJS.ErrnoException).code });
  }
});
// The channel closes when the script exits, however it exits: then this host, and its namespace, go too.
process.on('disconnect', () => process.exit(0));
process.send!({ ready: readlinkSync('/proc/self/ns/net') });
