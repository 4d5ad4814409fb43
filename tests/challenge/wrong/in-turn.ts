/**
 * The mistake of the one-client-at-a-time servers, written once: a connection handler that
 * serves the first client and keeps the others paused, unread, until it leaves.
 */
import type { Socket } from 'node:net';

export function inTurn(serve: (socket: Socket) => void): (socket: Socket) => void {
  const waiting: Socket[] = [];
  const serveFirst = () => {
    const first = waiting[0];
    if (!first) return;
    serve(first);
    first.resume();
  };
  return (socket) => {
    socket.on('error', () => {});
    socket.pause();
    socket.on('close', () => {
      const served = waiting[0] === socket;
      waiting.splice(waiting.indexOf(socket), 1);
      if (served) serveFirst();
    });
    waiting.push(socket);
    if (waiting.length === 1) serveFirst();
  };
}
