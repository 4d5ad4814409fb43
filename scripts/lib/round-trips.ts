/**
 * The timing loops behind 11's speed figures and the cost benchmark: round trips per second over
 * UDP, over one kept TCP connection and over a new connection each time, and bulk TCP throughput.
 * Plumbing: what they measure, and what it says, is 11's lesson (§4.3).
 */
import type { Socket as DatagramSocket } from 'node:dgram';
import { createConnection, type Socket } from 'node:net';
import { boundSocket } from './udp.ts';
import { onceWithin, within } from './wait.ts';

const HOST = '127.0.0.1';
const STEP_TIMEOUT_MS = 5000;
/** The size of every request and reply in the round-trip measurements (the bench gives sockperf the same size). */
export const MESSAGE_BYTES = 64;
/** The size of each write in the bulk measurement (the bench gives iperf3 the same). */
export const BULK_CHUNK = 1024 * 1024;

/** Writes a request and resolves when a reply of the same length has come back. */
export function requestReply(socket: Socket, request: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = request.length;
    const onData = (chunk: Buffer) => {
      pending -= chunk.length;
      if (pending > 0) return;
      socket.off('data', onData).off('error', reject);
      resolve();
    };
    socket.on('data', onData).once('error', reject);
    socket.write(request);
  });
}

/** How long a whole run of round trips may take before it counts as stuck. */
const runTimeoutMs = (count: number) => STEP_TIMEOUT_MS + count;

/**
 * `count` round trips with one request in flight, as sockperf ping-pong does: the handler of each
 * reply sends the next request itself. Nothing is made per round trip (no promise, timer, listener
 * or buffer: each would cost a fair part of a loopback round trip); one deadline covers the run.
 * Resolves with completed round trips per second, the figure sockperf's run gives too.
 */
function pingPong(
  socket: DatagramSocket | Socket,
  count: number,
  sendRequest: () => void,
  onReply: (handler: () => void) => void,
  what: string,
): Promise<number> {
  const run = new Promise<number>((resolve, reject) => {
    socket.once('error', reject);
    let left = count;
    const start = performance.now();
    onReply(() => {
      if (--left > 0) return sendRequest();
      resolve((count / (performance.now() - start)) * 1000);
    });
    sendRequest();
  });
  return within(run, runTimeoutMs(count), what);
}

/** Calls `handler` each time a whole reply of MESSAGE_BYTES has arrived: TCP may cut it into pieces. */
function onTcpReply(socket: Socket, handler: () => void): void {
  let pending = MESSAGE_BYTES;
  socket.on('data', (chunk: Buffer) => {
    pending -= chunk.length;
    if (pending > 0) return;
    pending = MESSAGE_BYTES;
    handler();
  });
}

/** Round trips per second: UDP, one request datagram and its echo at a time. */
export async function udpRoundTrips(port: number, count: number, host = HOST): Promise<number> {
  const socket = await boundSocket('udp4', host);
  try {
    // Connected: send() needs no address (no lookup per datagram), and only the echo's replies arrive.
    socket.connect(port, host);
    await onceWithin(socket, 'connect', STEP_TIMEOUT_MS, 'the UDP connect');
    const request = Buffer.alloc(MESSAGE_BYTES);
    return await pingPong(
      socket,
      count,
      () => socket.send(request),
      (handler) => socket.on('message', handler),
      `${count} UDP replies (a lost datagram is not resent)`,
    );
  } finally {
    socket.close();
  }
}

/** Round trips per second over one TCP connection kept open for all of them. */
export async function tcpRoundTrips(port: number, count: number, host = HOST): Promise<number> {
  const socket = createConnection({ host, port, noDelay: true });
  try {
    await onceWithin(socket, 'connect', STEP_TIMEOUT_MS, 'the TCP connect');
    const request = Buffer.alloc(MESSAGE_BYTES);
    return await pingPong(
      socket,
      count,
      () => socket.write(request),
      (handler) => onTcpReply(socket, handler),
      `${count} TCP replies`,
    );
  } finally {
    socket.destroy();
  }
}

/** Round trips per second when every request opens (and closes) its own TCP connection. */
export async function tcpConnectEachRoundTrips(port: number, count: number, host = HOST): Promise<number> {
  const request = Buffer.alloc(MESSAGE_BYTES);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const socket = createConnection({ host, port, noDelay: true });
    try {
      await onceWithin(socket, 'connect', STEP_TIMEOUT_MS, `TCP connect ${i + 1}`);
      await within(requestReply(socket, request), STEP_TIMEOUT_MS, `TCP reply ${i + 1}`);
      socket.end();
      await onceWithin(socket, 'close', STEP_TIMEOUT_MS, `TCP close ${i + 1}`);
    } finally {
      socket.destroy();
    }
  }
  return (count / (performance.now() - start)) * 1000;
}

/**
 * Bulk throughput in MB/s: `bytes` written into one connection as fast as flow control allows, until the sink confirms.
 */
export async function tcpBulk(port: number, bytes: number, host = HOST): Promise<number> {
  const socket = createConnection({ host, port });
  try {
    await onceWithin(socket, 'connect', STEP_TIMEOUT_MS, 'the TCP connect');
    const chunk = Buffer.alloc(BULK_CHUNK, 0x61);
    let answer = '';
    socket.setEncoding('utf8').on('data', (text: string) => (answer += text));
    const start = performance.now();
    for (let written = 0; written < bytes; written += chunk.length) {
      if (!socket.write(written + chunk.length <= bytes ? chunk : chunk.subarray(0, bytes - written))) {
        await onceWithin(socket, 'drain', STEP_TIMEOUT_MS, 'the receiver to take more (drain)');
      }
    }
    socket.end();
    await onceWithin(socket, 'close', STEP_TIMEOUT_MS * 4, 'the sink to confirm the byte count');
    const elapsed = performance.now() - start;
    if (Number(answer.trim()) !== bytes) throw new Error(`the sink counted ${answer.trim()} bytes, not ${bytes}`);
    return bytes / 1e6 / (elapsed / 1000);
  } finally {
    socket.destroy();
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
