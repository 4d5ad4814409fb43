/**
 * Check for scripts/fix/03-bulk-sender.ts: every byte arrives, and the sender's peak memory
 * (VmHWM in /proc/PID/status, read by the server before it answers) stays within a bound far
 * below what it sends.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { defineCheck } from '../../scripts/lib/fix-check.ts';
import { memoryOf } from '../../scripts/lib/proc-stat.ts';
import { onceWithin } from '../../scripts/lib/wait.ts';
import { failed, START_MS, startProgram } from '../lib/program.ts';

const SEND_MIB = 384;
/**
 * Node itself takes some 40 MiB, and a sender that waits for 'drain' holds one chunk more, though
 * the garbage collector may leave up to about 200 MiB of sent chunks uncollected for a while
 * (measured: 130 to 250 MiB at the peak, whatever the amount sent, busy machine included). A
 * sender that does not wait holds everything it sent: over 420 MiB here.
 */
const PEAK_BOUND_MIB = 320;
const STEP_MS = 2000;
const RUN_MS = 20_000;

export const CHECK = defineCheck({
  hint: 'ask what socket.write() returns when the kernel takes no more, and what the program does next',
  notes: '#43-tcp-against-udp-measured-11-tcp-vs-udp',
  async check(file) {
    if (process.platform !== 'linux') return { cannotCheck: 'the peak memory is read from /proc, Linux only' };
    // Half-open: our answer goes out after the sender's FIN, once its memory has been read.
    const server = createServer({ allowHalfOpen: true });
    server.listen(0, '127.0.0.1');
    await onceWithin(server, 'listening', STEP_MS, 'the upload server');
    const program = startProgram(file, [String((server.address() as AddressInfo).port), String(SEND_MIB)]);
    try {
      const [socket] = (await onceWithin(server, 'connection', START_MS, 'the sender to connect')) as [Socket];
      // A sender that crashes leaves its kernel to answer with a reset; the verdict says so, not this error.
      socket.on('error', () => {});
      let bytes = 0;
      socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
      await onceWithin(socket, 'end', RUN_MS, 'the sender to send everything and end()');
      // Read while the sender still waits for our answer: it is alive, and past its peak.
      const peak = memoryOf(program.pid, 'VmHWM') / 1024 / 1024;
      socket.end(`received ${bytes} bytes\n`);
      const expected = SEND_MIB * 1024 * 1024;
      return {
        passed: bytes === expected && peak <= PEAK_BOUND_MIB,
        saw: `${bytes} of ${expected} bytes arrived; peak memory ${Math.round(peak)} MiB (bound ${PEAK_BOUND_MIB} MiB)`,
      };
    } catch (error) {
      return failed(error, program);
    } finally {
      await program.stop();
      server.close();
    }
  },
});
