/**
 * A listener that cannot accept: a TCP server in a child process frozen with SIGSTOP. The kernel
 * still completes handshakes into its accept queue, but nobody takes them off it, for as long as
 * a lab needs (a SYN nobody answers in 05, a connection never accepted in 09). Plumbing: no
 * lesson imports it.
 */
import { createConnection, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { startNodeChild } from './child.ts';
import { hasProcNet, readTable, type SocketRow } from './proc-net.ts';
import { onceWithin, untilTrue } from './wait.ts';

const HOST = '127.0.0.1';
const STEP_TIMEOUT_MS = 2000;
/** The server, a module of its own run as a child process: see children/stalled-listener.ts. */
const STALLED_LISTENER = new URL('../children/stalled-listener.ts', import.meta.url);

export interface StalledListener {
  readonly host: string;
  readonly port: number;
  /** The PID of the child process that owns the listening socket. */
  readonly pid: number;
  /** The backlog passed to listen(). */
  readonly backlog: number;
  /** The client port of the next connection the server accepted; only after resume(). */
  nextAccepted(ms: number): Promise<number>;
  /** Wakes the server with SIGCONT; it then accepts everything in its queue. */
  resume(): Promise<void>;
  /** Kills the server (its queued connections get a reset) and waits until it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts a TCP listener on `host` (127.0.0.1 by default), port 0, with listen(`backlog`), in a
 * child process that is then frozen with SIGSTOP: the kernel still completes handshakes into its
 * accept queue, but nobody calls accept() until `resume()`. Resolves once the child is really
 * stopped (state T in /proc/PID/stat). Linux only. Always call `stop()` (in a finally or t.after).
 */
export async function startStalledListener({
  backlog,
  host = HOST,
}: {
  backlog: number;
  host?: string;
}): Promise<StalledListener> {
  /* c8 ignore next: off Linux there is no /proc to see the stop or the queue; say so in one line */
  if (!hasProcNet)
    throw new Error('this lesson freezes a listener and reads its queue through /proc, which is Linux only');
  const child = await startNodeChild({ module: STALLED_LISTENER, args: [host, String(backlog)] });
  try {
    // Its first message: next() adds the child's start, which grows with the load, to this bound.
    const ready = await child.next<{ listening: number } | { failed: string }>(
      STEP_TIMEOUT_MS,
      'the stalled server to listen',
    );
    if ('failed' in ready) throw new Error(`the stalled server cannot listen on ${host}: ${ready.failed}`);
    const port = ready.listening;
    await child.freeze();
    return {
      host,
      port,
      pid: child.pid,
      backlog,
      async nextAccepted(ms: number): Promise<number> {
        return (await child.next<{ accepted: number }>(ms, 'the server to accept a connection')).accepted;
      },
      resume: () => child.thaw(),
      stop: () => child.stop(),
    };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

/** The listening row of `port` in /proc/net/tcp; its rx_queue is the accept queue's length. */
async function listenerRow(port: number, host = HOST): Promise<SocketRow | undefined> {
  return (await readTable('tcp', [port])).find(
    (row) => row.state === 'LISTEN' && row.localPort === port && row.localAddress === host,
  );
}

/** Waits until the accept queue of the listener on `port` holds exactly `length` connections. */
async function awaitAcceptQueue(port: number, length: number, host = HOST): Promise<void> {
  await untilTrue(
    async () => (await listenerRow(port, host))?.rxQueue === length,
    STEP_TIMEOUT_MS,
    `the accept queue to hold ${length}`,
  );
}

/** A client connection with what happened to it, for the labs to report. */
export interface TrackedClient {
  readonly socket: Socket;
  /** Milliseconds from connect() to its 'connect' event, once that came. */
  connectedAfterMs?: number;
  /** The error code, if the connection failed (ECONNREFUSED, ECONNRESET, ...). */
  errorCode?: string;
}

/** Calls connect() and records when it resolves or fails, without waiting for either. */
export function startClient(port: number, host = HOST): TrackedClient {
  const startedAt = performance.now();
  const client: TrackedClient = { socket: createConnection({ host, port }) };
  client.socket.once('connect', () => (client.connectedAfterMs = performance.now() - startedAt));
  client.socket.on('error', (error: NodeJS.ErrnoException) => (client.errorCode ??= error.code));
  return client;
}

/**
 * Connects backlog + 1 clients to a stalled listener, one at a time, each confirmed by the
 * listener's accept-queue length in /proc/net/tcp. Afterwards the queue is full: the next SYN
 * to this listener is dropped and that client stays in SYN_SENT until the server accepts.
 * The caller destroys the returned sockets.
 */
export async function fillAcceptQueue(
  listener: Pick<StalledListener, 'host' | 'port' | 'backlog'>,
): Promise<TrackedClient[]> {
  const clients: TrackedClient[] = [];
  try {
    for (let queued = 1; queued <= listener.backlog + 1; queued++) {
      const client = startClient(listener.port, listener.host);
      clients.push(client);
      await onceWithin(
        client.socket,
        'connect',
        STEP_TIMEOUT_MS,
        `client ${queued} to connect to the stalled listener`,
      );
      await awaitAcceptQueue(listener.port, queued, listener.host);
    }
    return clients;
  } catch (error) {
    for (const client of clients) client.socket.destroy();
    throw error;
  }
}
