/**
 * Running a script's --serve mode as a real server for a test: start it, read its stdout until the
 * "listening on" lines say where it is, and kill it after the test whatever happens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import { nodeArgsFor } from '../../scripts/lib/child.ts';
import { onceWithin } from '../../scripts/lib/wait.ts';
import { ROOT } from './transcript.ts';

/** Starts `scripts/NAME.ts --serve` and resolves once `ready(stdout so far)` returns a value. */
export async function startServing<T>(
  t: TestContext,
  name: string,
  ready: (output: string) => T | undefined,
): Promise<{ server: ChildProcess; found: T }> {
  const server = spawn(process.execPath, nodeArgsFor(`scripts/${name}.ts`, ['--serve']), {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => server.kill('SIGKILL'));
  let output = '';
  const found = new Promise<T>((resolve) =>
    server.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const value = ready(output);
      if (value !== undefined) resolve(value);
    }),
  );
  const exited = onceWithin(server, 'exit', 5000, `"listening on" from ${name} --serve`).then(() => {
    throw new Error(`${name} --serve exited before it was listening`);
  });
  return { server, found: await Promise.race([found, exited]) };
}
