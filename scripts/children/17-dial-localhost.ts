/**
 * 17's client, run with an /etc/hosts of 17's making: what "localhost" resolves to here, and a
 * connection to localhost:PORT without and with Happy Eyeballs (autoSelectFamily). Prints one
 * JSON line.
 *
 * Usage: node scripts/children/17-dial-localhost.ts PORT
 */
import { lookup } from 'node:dns/promises';
import { createConnection, getDefaultAutoSelectFamily } from 'node:net';
import { onceWithin } from '../lib/wait.ts';

const STEP_MS = 5000;
const port = Number(process.argv[2]);

/** connect() to localhost:port; where it got to, and the addresses Node tried on the way. */
async function dial(autoSelectFamily: boolean) {
  const socket = createConnection({ host: 'localhost', port, autoSelectFamily });
  try {
    await onceWithin(socket, 'connect', STEP_MS, 'the connection');
    return { ok: true, remote: socket.remoteAddress, tried: socket.autoSelectFamilyAttemptedAddresses ?? [] };
  } catch (error) {
    const { code, address } = error as NodeJS.ErrnoException & { address?: string };
    return { ok: false, code, address, tried: socket.autoSelectFamilyAttemptedAddresses ?? [] };
  } finally {
    socket.destroy();
  }
}

const resolved = (await lookup('localhost', { all: true })).map(({ address }) => address);
console.log(
  JSON.stringify({
    resolved,
    defaultAutoSelectFamily: getDefaultAutoSelectFamily(),
    withoutHappyEyeballs: await dial(false),
    withHappyEyeballs: await dial(true),
  }),
);
