/**
 * UDP plumbing shared by 10, 11 and the timing loops: bind a socket and wait until it is bound,
 * close one and wait until it is closed. The lessons about datagrams are in 10 and 11.
 */
import { createSocket, type Socket, type SocketType } from 'node:dgram';
import { onceWithin } from './wait.ts';

const STEP_TIMEOUT_MS = 2000;

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
