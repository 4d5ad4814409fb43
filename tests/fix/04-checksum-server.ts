/**
 * Check for scripts/fix/04-checksum-server.ts: a client sends its bytes, half-closes, and must
 * hear their checksum before the server's own end.
 */
import { createHash } from 'node:crypto';
import { Socket } from 'node:net';
import { defineCheck } from '../../scripts/lib/fix-check.ts';
import { onceWithin } from '../../scripts/lib/wait.ts';
import { failed, listeningPort, startProgram, tail } from '../lib/program.ts';

const STEP_MS = 2000;
const TEXT = 'hello from the check\n';
const EXPECTED = `${createHash('sha256').update(TEXT).digest('hex')}\n`;

export const CHECK = defineCheck({
  hint: "ask what Node does with its own side of a socket when the peer's FIN arrives, and whether you want that",
  notes: '#25-read-and-write-a-byte-stream-not-messages-06-read-write',
  async check(file) {
    const program = startProgram(file);
    const client = new Socket();
    let heard = '';
    let failure = '';
    client.setEncoding('utf8');
    client.on('data', (text: string) => (heard += text));
    client.on('error', (error: NodeJS.ErrnoException) => (failure = ` (${error.code})`));
    try {
      client.connect(await listeningPort(program), '127.0.0.1');
      await onceWithin(client, 'connect', STEP_MS, 'the connection');
      // end(): our FIN, after the text. We can still read: the answer comes back on the other direction.
      client.end(TEXT);
      await onceWithin(client, 'close', STEP_MS, 'the server to answer and close');
      const saw = `sent ${TEXT.length} bytes and half-closed; heard ${JSON.stringify(heard)}${failure}`;
      return {
        passed: heard === EXPECTED,
        saw: heard === EXPECTED ? saw : `${saw}; the server printed: ${tail(program)}`,
      };
    } catch (error) {
      return failed(error, program);
    } finally {
      client.destroy();
      await program.stop();
    }
  },
});
