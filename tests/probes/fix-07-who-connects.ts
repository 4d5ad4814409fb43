/**
 * Runs inside the network namespace that tests/fix/07-admin-server.ts makes: starts the server
 * program given, then dials it at each address of this namespace's host, and prints one JSON line:
 * { "listening": "…", "reached": { "127.0.0.1": true, "192.0.2.1": false } }.
 *
 * Usage: node tests/probes/fix-07-who-connects.ts PROGRAM ADDRESS...
 */
import { connect } from 'node:net';
import { onceWithin } from '../../scripts/lib/wait.ts';
import { failed, listeningPort, startProgram, tail } from '../lib/program.ts';

const STEP_MS = 2000;
const [file, ...addresses] = process.argv.slice(2);

/** True when a connection to `address` is accepted and answered. */
async function reaches(address: string, port: number): Promise<boolean> {
  const client = connect(port, address);
  try {
    await onceWithin(client, 'data', STEP_MS, `an answer from ${address}`);
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

const program = startProgram(file);
try {
  const port = await listeningPort(program);
  const reached: Record<string, boolean> = {};
  for (const address of addresses) reached[address] = await reaches(address, port);
  console.log(JSON.stringify({ listening: tail(program, 1), reached }));
} catch (error) {
  console.log(JSON.stringify({ failed: failed(error, program).saw }));
} finally {
  await program.stop();
}
