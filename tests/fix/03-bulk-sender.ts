/**
 * Check for scripts/fix/03-bulk-sender.ts: a server that reads nothing at first. Once the sender
 * has filled the kernel's queues and its event loop sleeps and stays asleep (its main thread in
 * epoll_wait, not woken again: the program has done all it will do until the kernel takes more),
 * its peak memory (VmHWM in /proc/PID/status) must show that it did not take everything it sends
 * into its own memory. Then the server reads, and every byte must arrive.
 */
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { defineCheck } from '../../scripts/lib/fix-check.ts';
import { readTable } from '../../scripts/lib/proc-net.ts';
import { isRunning, kernelNamesWaitChannels, memoryOf, sleepingIn, sleepsOf } from '../../scripts/lib/proc-stat.ts';
import { onceWithin, stretchedByLoad, TimedOut, untilTrue } from '../../scripts/lib/wait.ts';
import { CheckFailure, failed, START_MS, startProgram, waited, STEP_MS } from '../lib/program.ts';

const SEND_MIB = 128;
/**
 * Measured at the moment the check reads it, on Node 24 and 26: a sender that waits for 'drain'
 * peaks at 67 MiB, whether it sends 64 or 128 MiB; one that does not wait holds everything it
 * sends on top of that: 130 MiB for 64, 194 MiB for 128.
 */
const PEAK_BOUND_MIB = 96;
/**
 * How long the sender may take to start, fill the kernel queues and settle, or to send everything
 * once read: 20 s on an idle machine, stretched by load (at most three times) like a start's bound;
 * measured on a busy machine (load average 23 on two cores), 20 s alone was not enough.
 */
const RUN_MS = stretchedByLoad(20_000, 3);
const RUN_S = Math.round(RUN_MS / 1000);
/**
 * How long the sender must sleep without being woken before its peak is read. One that waits for
 * 'drain' is never woken while the server reads nothing (measured: its main thread's count of
 * sleeps did not move in 4 s); one that paces its writes on a timer wakes every few milliseconds.
 */
const QUIET_MS = 250;

const peakMiB = (pid: number) => memoryOf(pid, 'VmHWM') / 1024 / 1024;

const senderExited = () =>
  new CheckFailure({
    en: 'the sender exited before the kernel queues were full',
    ko: '커널 큐가 다 차기 전에 보내는 쪽이 종료되었습니다',
  });

/**
 * Waits until the sender, asleep in epoll_wait, has not been woken for QUIET_MS, or until its peak
 * memory has passed the bound on the way (by a MiB, so that the figure shown reads as past it);
 * returns how often it was woken meanwhile.
 */
async function untilStalled(pid: number): Promise<number> {
  const first = sleepsOf(pid);
  let last = first;
  let quietSince = Date.now();
  try {
    await untilTrue(
      () => {
        if (!isRunning(pid)) throw senderExited();
        const sleeps = sleepsOf(pid);
        if (sleeps !== last || sleepingIn(pid) !== 'do_epoll_wait') [last, quietSince] = [sleeps, Date.now()];
        return Date.now() - quietSince >= QUIET_MS || peakMiB(pid) > PEAK_BOUND_MIB + 1;
      },
      RUN_MS,
      'the sender to stay asleep while the server reads nothing',
    );
  } catch (error) {
    // Woken all along, or gone meanwhile (its exit is what the verdict says then); any other error
    // is the check's own and is not the learner's to read as a verdict.
    if (!isRunning(pid)) throw senderExited();
    if (!(error instanceof TimedOut)) throw error;
    throw new CheckFailure({
      en:
        `while the server read nothing, the sender kept waking up (${last - first} times in ${RUN_S} s) ` +
        'instead of waiting until the kernel takes more',
      ko:
        '서버가 아무것도 읽지 않는 동안 보내는 쪽이 커널이 더 받아 줄 때까지 기다리지 않고 계속 깨어났습니다 ' +
        `(${RUN_S}초 동안 ${last - first}번)`,
    });
  }
  return last - first;
}

export const CHECK = defineCheck({
  title: { ko: '많은 양을 업로드하는 클라이언트' },
  hint: {
    en: 'ask what socket.write() returns when the kernel takes no more, and what the program does next',
    ko: '커널이 더 받아 주지 않을 때 socket.write()가 무엇을 돌려주는지, 그다음 프로그램이 무엇을 하는지 따져 보세요',
  },
  notes: '#43-tcp-against-udp-measured-11-tcp-vs-udp',
  async check(file) {
    if (process.platform !== 'linux')
      return {
        cannotCheck: {
          en: 'the peak memory is read from /proc, Linux only',
          ko: '최대 메모리 사용량을 /proc에서 읽으므로 Linux에서만 검사할 수 있습니다',
        },
      };
    if (!kernelNamesWaitChannels())
      return {
        cannotCheck: {
          en: 'this kernel does not name where a process sleeps (/proc/PID/wchan is 0)',
          ko: '이 커널은 프로세스가 어디서 잠들어 있는지 알려 주지 않습니다 (/proc/PID/wchan이 0)',
        },
      };
    // Half-open: our answer goes out after the sender's FIN.
    const server = createServer({ allowHalfOpen: true });
    server.listen(0, '127.0.0.1');
    await onceWithin(server, 'listening', STEP_MS, 'the upload server');
    const port = (server.address() as AddressInfo).port;
    const program = startProgram(file, [String(port), String(SEND_MIB)]);
    try {
      const [socket] = (await waited({ en: 'the sender to connect', ko: '보내는 쪽이 접속하지 않았습니다' }, (what) =>
        onceWithin(server, 'connection', START_MS, what),
      )) as [Socket];
      socket.pause();
      // A sender that crashes leaves its kernel to answer with a reset; the verdict says so, not this error.
      socket.on('error', () => {});
      const senderPort = socket.remotePort!;
      const waiting = () => {
        if (!isRunning(program.pid)) throw senderExited();
        return sleepingIn(program.pid) === 'do_epoll_wait';
      };
      const queued = async () =>
        (await readTable('tcp', [senderPort])).some(
          (row) => row.localPort === senderPort && row.remotePort === port && row.txQueue > 0,
        );
      // Bytes in the sender's kernel not yet acknowledged (tx_queue, write_seq - snd_una in get_tcp4_sock():
      // it has begun to write), then its event loop asleep: in that order, since it also sleeps before it
      // writes. Asleep after writing began means done writing, or waiting for 'drain'. The first look only
      // spares a read of the table.
      await waited(
        {
          en: 'the sender to fill the kernel queues and wait',
          ko: '보내는 쪽이 커널 큐를 채우고 기다리는 상태가 되지 않았습니다',
        },
        (what) => untilTrue(async () => waiting() && (await queued()) && waiting(), RUN_MS, what),
      );
      const wakes = await untilStalled(program.pid);
      const peak = peakMiB(program.pid);
      let bytes = 0;
      socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
      socket.resume();
      await waited(
        { en: 'the sender to send everything and end()', ko: '보내는 쪽이 전부 보내고 end()하지 않았습니다' },
        (what) => onceWithin(socket, 'end', RUN_MS, what),
      );
      socket.end(`received ${bytes} bytes\n`);
      const expected = SEND_MIB * 1024 * 1024;
      return {
        passed: bytes === expected && peak <= PEAK_BOUND_MIB,
        saw: {
          en:
            `while the server read nothing, the sender's memory peaked at ${peak.toFixed(1)} MiB ` +
            `(bound ${PEAK_BOUND_MIB} MiB; woken ${wakes} times once the kernel queues were full); ` +
            `then ${bytes} of ${expected} bytes arrived`,
          ko:
            `서버가 아무것도 읽지 않는 동안 보내는 쪽의 메모리 사용량은 최대 ${peak.toFixed(1)} MiB였습니다 ` +
            `(한도 ${PEAK_BOUND_MIB} MiB, 커널 큐가 다 찬 뒤 ${wakes}번 깨어남). ` +
            `그다음 ${expected}바이트 중 ${bytes}바이트가 도착했습니다`,
        },
      };
    } catch (error) {
      return failed(error, program);
    } finally {
      await program.stop();
      server.close();
    }
  },
});
