/**
 * Run by tests/05-connect.test.ts in a network namespace of its own, with tcp_syn_retries and
 * tcp_syn_linear_timeouts set there: connect() to a listener whose accept queue is full, so that
 * every SYN is dropped, and wait for the kernel to give up. Prints one JSON line: the error and
 * how long after connect() it came.
 */
import { performance } from 'node:perf_hooks';
import { fillAcceptQueue, startClient, startStalledListener } from '../../scripts/lib/stalled-listener.ts';
import { within } from '../../scripts/lib/wait.ts';

const GIVE_UP_MS = 15_000;
const listener = await startStalledListener({ backlog: 1 });
const queued = await fillAcceptQueue(listener);
try {
  const startedAt = performance.now();
  const client = startClient(listener.port);
  // Not events.once: it would reject at the 'error' that comes first, and the error is what we wait for.
  await within(new Promise((resolve) => client.socket.once('close', resolve)), GIVE_UP_MS, 'the kernel to give up');
  console.log(JSON.stringify({ code: client.errorCode ?? null, afterMs: performance.now() - startedAt }));
} finally {
  for (const client of queued) client.socket.destroy();
  await listener.stop();
}
