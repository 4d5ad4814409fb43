/**
 * Level 3's framing and answer, done right, for the known-wrong servers whose one mistake lies
 * elsewhere (in how they answer, or treat write() and connections).
 */
import type { Socket } from 'node:net';

const HEADER = 4;

export function reversedFrame(payload: Buffer): Buffer {
  const frame = Buffer.alloc(HEADER + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, HEADER);
  frame.subarray(HEADER).reverse();
  return frame;
}

/**
 * Answers each frame that arrives on `socket` with `answer`, taking frames out with read(n) as
 * they complete. Unless `ignoreWriteFalse`, it reads nothing while the send buffer is full.
 */
export function answerFrames(socket: Socket, answer = reversedFrame, ignoreWriteFalse = false): void {
  let length: number | undefined;
  const next = () => {
    while (ignoreWriteFalse || !socket.writableNeedDrain) {
      if (length === undefined) {
        const header: Buffer | null = socket.read(HEADER);
        if (header === null) return;
        length = header.readUInt32BE(0);
      }
      const payload: Buffer | null = length === 0 ? Buffer.alloc(0) : socket.read(length);
      if (payload === null) return;
      length = undefined;
      socket.write(answer(payload));
    }
  };
  socket.on('readable', next);
  socket.on('drain', next);
}
