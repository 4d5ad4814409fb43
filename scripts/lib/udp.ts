/**
 * UDP plumbing shared by 10, 11, their labs, the timing loops and the benches: bind a socket and
 * wait until it is bound, close one, send one datagram and hear whether the kernel took it, the
 * size limits, the burst of sizes and the flood both concepts run, a UDP echo server for --serve,
 * and a port nobody holds. The lessons about datagrams are in scripts/10-… and scripts/11-….
 */
import { createSocket, type Socket, type SocketType } from 'node:dgram';
import type { Knob } from './cli.ts';
import { readSysctl, readTables, type Table } from './proc-net.ts';
import { onceWithin } from './wait.ts';

const STEP_TIMEOUT_MS = 2000;

/** The biggest UDP payload: a 16-bit length field minus the 8-byte UDP header, and for IPv4 also its 20-byte header. */
export const LARGEST_PAYLOAD = { udp4: 0xffff - 20 - 8, udp6: 0xffff - 8 } as const;

/** 10's burst of sizes, which 11 writes over TCP: how many datagrams, an empty one first. */
export const BURST_KNOB: Knob = { fallback: 5, min: 1, max: 64 };
/** 10's flood into a receiver that cannot read, which 11 repeats over TCP: how many datagrams. */
export const FLOOD_KNOB: Knob = { fallback: 2000, min: 1, max: 100_000 };
/** The bytes in each flood datagram, by default. */
export const FLOOD_PAYLOAD = 200;

/**
 * Sizes for the burst: an empty datagram first, then sizes spread evenly on a log scale up to the IPv4 maximum. The
 * lessons compute the same sizes in their own lines; this is the expectation their tests and labs hold them to.
 */
export function datagramSizes(count: number): number[] {
  return Array.from({ length: count }, (_, i) => (i === 0 ? 0 : Math.round(LARGEST_PAYLOAD.udp4 ** (i / (count - 1)))));
}

/** Binds a UDP socket and waits until it is bound; a failed bind (EADDRINUSE, say) rejects with its error. */
export async function boundSocket(
  type: SocketType,
  host: string,
  options: { recvBufferSize?: number; port?: number } = {},
): Promise<Socket> {
  const socket = createSocket({ type, recvBufferSize: options.recvBufferSize });
  socket.bind(options.port ?? 0, host);
  try {
    // events.once rejects when the socket emits 'error' first, which is how a failed bind is reported.
    await onceWithin(socket, 'listening', STEP_TIMEOUT_MS, `${type} socket to bind`);
  } catch (error) {
    socket.close();
    throw error;
  }
  return socket;
}

/** Closes a UDP socket; resolves once it is closed. */
export const closeSocket = (socket: Socket) => new Promise<void>((resolve) => socket.close(() => resolve()));

/** Sends one datagram and resolves with the send's error code, or null when the kernel took it. */
export function sendDatagram(socket: Socket, payload: Buffer, port?: number, host?: string): Promise<string | null> {
  return new Promise((resolve) => {
    // A send that fails reports a system error, and those always carry an errno code.
    const done = (error: NodeJS.ErrnoException | null) => resolve(error ? String(error.code) : null);
    if (port === undefined) socket.send(payload, done);
    else socket.send(payload, port, host, done);
  });
}

/** A UDP echo server for real clients (`nc -u 127.0.0.1 PORT`): every datagram goes straight back to its sender. */
export async function startUdpEcho(
  host: string,
  port: number,
  onDatagram?: (bytes: number, from: { address: string; port: number }) => void,
): Promise<Socket> {
  const type: SocketType = host.includes(':') ? 'udp6' : 'udp4';
  const socket = await boundSocket(type, host, { port });
  socket.on('message', (message: Buffer, from) => {
    onDatagram?.(message.length, from);
    socket.send(message, from.port, from.address);
  });
  return socket;
}

/**
 * Explicit ports for "nobody holds it" are drawn from below the kernel's ephemeral range, where port-0 binds never
 * land.
 */
const UNHELD_PORT_FLOOR = 10_000;

/**
 * A port that no socket in this network namespace holds right now in `tables`, picked at random
 * below the ephemeral range. Another process could still bind it a moment later; a caller that
 * must be sure needs a witness (a refused connection, a server that fails to bind).
 */
export async function findUnheldPort(tables: readonly Table[]): Promise<number> {
  const held = new Set((await readTables(tables)).map((row) => row.localPort));
  const [ephemeralLow] = (await readSysctl('net/ipv4/ip_local_port_range')).split(/\s+/).map(Number);
  const ceiling = Math.max(UNHELD_PORT_FLOOR + 1, ephemeralLow);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const port = UNHELD_PORT_FLOOR + Math.floor(Math.random() * (ceiling - UNHELD_PORT_FLOOR));
    if (!held.has(port)) return port;
  }
  throw new Error(`found no unheld port from ${UNHELD_PORT_FLOOR} to ${ceiling - 1}`);
}
