/**
 * The clients of `npm run bench:clients` (bench/clients.ts), against 12's server and others, in a
 * process of their own: both ends of 10,000 connections in one process would need 20,000
 * descriptors (12's lesson has clients of its own, in its own file). Run as
 * `node 12-echo-clients.ts HOST PORT CLIENTS BYTES`; it talks to its parent over IPC:
 *   → { connected, connectMs }  every connection is open at once
 *   ← 'echo'                    each client sends its message
 *   → { exact, wrong, failed, echoMs }  each client heard its own bytes back, or not
 *   ← 'close'                   every connection ends; the process exits
 */
import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';

const [host, portText, clientsText, bytesText] = process.argv.slice(2);
const [port, clientCount, messageBytes] = [portText, clientsText, bytesText].map(Number);
/** Connection attempts in flight at once: enough to be quick, few enough not to overflow the accept queue. */
const CONNECTING_AT_ONCE = 200;

const report = (message: unknown) => process.send?.(message);
const nextOrder = () => once(process, 'message').then(([message]) => message as string);

/** Client i's message: its number, then bytes that differ from every other client's, `messageBytes` in all. */
function messageOf(i: number): Buffer {
  const message = Buffer.alloc(messageBytes, `client ${i}:${(i * 7919) % 65_521};`);
  message.write(`client ${i}:`);
  return message;
}

function connectOne(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends client i's message and reads until as many bytes came back; true when they are the same bytes. */
async function echoOnce(socket: Socket, i: number): Promise<boolean> {
  const sent = messageOf(i);
  const chunks: Buffer[] = [];
  let received = 0;
  const heard = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received >= sent.length) resolve();
    });
    socket.once('error', reject);
    socket.once('end', () => reject(new Error('the server ended the connection before the echo was complete')));
  });
  socket.write(sent);
  await heard;
  return Buffer.concat(chunks).equals(sent);
}

const started = performance.now();
const sockets: Socket[] = [];
while (sockets.length < clientCount) {
  const wave = Math.min(CONNECTING_AT_ONCE, clientCount - sockets.length);
  sockets.push(...(await Promise.all(Array.from({ length: wave }, connectOne))));
}
report({ connected: sockets.length, connectMs: performance.now() - started });

if ((await nextOrder()) === 'echo') {
  const echoStarted = performance.now();
  const outcomes = await Promise.allSettled(sockets.map((socket, i) => echoOnce(socket, i)));
  const count = (test: (outcome: PromiseSettledResult<boolean>) => boolean) => outcomes.filter(test).length;
  report({
    exact: count((outcome) => outcome.status === 'fulfilled' && outcome.value),
    wrong: count((outcome) => outcome.status === 'fulfilled' && !outcome.value),
    failed: count((outcome) => outcome.status === 'rejected'),
    echoMs: performance.now() - echoStarted,
  });
  await nextOrder();
}
for (const socket of sockets) socket.destroy();
process.disconnect?.();
