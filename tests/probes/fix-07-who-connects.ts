/**
 * Runs inside the network namespace that tests/fix/07-admin-server.ts makes: starts the server
 * program given, then dials it at each address of this namespace's host, and prints one JSON line:
 * { "listening": "…", "reached": { "127.0.0.1": "answered", "192.0.2.1": "refused" } }: at each address
 * the connection was refused (by the kernel: nothing listens there), or it was accepted, and then
 * answered or closed unanswered ("connected").
 *
 * Usage: node tests/probes/fix-07-who-connects.ts PROGRAM ADDRESS...
 */
import { connect } from 'node:net';
import { onceWithin } from '../../scripts/lib/wait.ts';
import { failed, listeningPort, startProgram, tailInEach } from '../lib/program.ts';

const STEP_MS = 2000;
const [file, ...addresses] = process.argv.slice(2);

/** What became of a connection to `address`: refused, accepted and answered, or accepted only. */
async function dial(address: string, port: number): Promise<'refused' | 'answered' | 'connected'> {
  const client = connect(port, address);
  let answered = false;
  client.on('data', () => (answered = true));
  try {
    await onceWithin(client, 'connect', STEP_MS, `the connection to ${address}`);
  } catch {
    return 'refused';
  }
  try {
    // The server answers and closes; one that closes without a word is told apart by the data.
    await onceWithin(client, 'close', STEP_MS, `the server at ${address} to answer and close`);
  } catch {
    // Still open, or reset: what it sent before is what counts.
  } finally {
    client.destroy();
  }
  return answered ? 'answered' : 'connected';
}

const program = startProgram(file);
try {
  const port = await listeningPort(program);
  const reached: Record<string, string> = {};
  for (const address of addresses) reached[address] = await dial(address, port);
  console.log(JSON.stringify({ listening: tailInEach(program, 1), reached }));
} catch (error) {
  console.log(JSON.stringify({ failed: failed(error, program).saw }));
} finally {
  await program.stop();
}
