/**
 * Check for scripts/fix/06-udp-time-client.ts: a server behind a link that goes down for a moment,
 * losing the first request and whatever follows it in that moment, must still be asked until it
 * answers; a server that never answers must be given up on.
 */
import { defineCheck } from '../../scripts/lib/fix-check.ts';
import { boundSocket, closeSocket } from '../../scripts/lib/udp.ts';
import { once } from 'node:events';
import { START_MS, startProgram, tail } from '../lib/program.ts';
import { within } from '../../scripts/lib/wait.ts';

const ANSWER = '12:00';
/** From its first request: time enough for a few tries; a client that waits for ever is stopped here. */
const RUN_MS = 2000;
/**
 * How long the link stays down from the first request: copies sent together are lost together, as
 * on a real link, and only a request sent later, on a timer, gets through. The moment of a request
 * is when this process handles it, which a loaded machine delays: 150 ms once let three copies sent
 * at once count as spread over the outage (seen at a load of 20), so the outage is 300 ms, still
 * within the reference solution's five tries 200 ms apart.
 */
const OUTAGE_MS = 300;

/**
 * Runs the client against a server that answers every request after the link's outage, or none
 * (`answers` false). Each request is counted as it arrives.
 */
async function ask(file: string, answers: boolean) {
  const server = await boundSocket('udp4', '127.0.0.1');
  let requests = 0;
  let linkUpAt = Number.POSITIVE_INFINITY;
  server.on('message', (_, from) => {
    requests++;
    if (requests === 1) linkUpAt = performance.now() + OUTAGE_MS;
    if (answers && performance.now() >= linkUpAt) server.send(ANSWER, from.port, from.address);
  });
  const program = startProgram(file, [String(server.address().port)]);
  try {
    // The clock starts at the first request, however long the program took to start.
    const firstRequest = await within(once(server, 'message'), START_MS, 'the first request').catch(() => undefined);
    const exit = firstRequest ? await program.exit(RUN_MS) : await program.exit(0);
    return { exit, requests, printed: tail(program, 2) };
  } finally {
    await program.stop();
    await closeSocket(server);
  }
}

export const CHECK = defineCheck({
  hint: 'ask what tells a UDP sender that its datagram was lost, and what the program does until it hears back',
  notes: '#42-udp-fire-and-forget-10-udp-fire-and-forget',
  async check(file) {
    const lossy = await ask(file, true);
    if (lossy.exit?.code !== 0 || !lossy.printed.includes(ANSWER))
      return {
        passed: false,
        saw:
          `the link lost request 1 and all else sent in the next ${OUTAGE_MS} ms, then carried every request; ` +
          `in ${RUN_MS / 1000} s the server got ${lossy.requests} ` +
          `request(s), and the program ${lossy.exit ? `exited with code ${lossy.exit.code}` : 'was still waiting'}: ` +
          lossy.printed,
      };
    const silent = await ask(file, false);
    if (silent.exit?.code !== 1)
      return {
        passed: false,
        saw:
          `against a server that never answers, the program ` +
          `${silent.exit ? `exited with code ${silent.exit.code}` : `still waited after ${RUN_MS / 1000} s`} ` +
          `(${silent.requests} requests sent), where it should give up with exit code 1`,
      };
    return {
      passed: true,
      saw:
        `request 1 lost with all sent in the next ${OUTAGE_MS} ms, answered on try ${lossy.requests}; ` +
        `a silent server given up on after ${silent.requests} tries`,
    };
  },
});
