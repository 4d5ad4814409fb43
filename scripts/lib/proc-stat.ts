/**
 * /proc/PID/stat, the kernel's one-line status of a process (proc(5)). Plumbing shared by the child
 * helper (is it stopped?), --serve (is its command still whole?), the tests and the benchmark.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessStat {
  /** Field 3: R running, S sleeping, T stopped, Z exited but not yet reaped, ... */
  state: string;
  /** Field 4, the parent's PID, and field 5, the process group. */
  ppid: number;
  pgrp: number;
  /** Fields 16 and 17: CPU time of reaped children, user and system, in clock ticks. */
  childrenUserTicks: number;
  childrenSystemTicks: number;
  /** Field 22: when the process started, in clock ticks since boot. */
  startTicks: number;
}

/** The status of `pid`, or undefined once it is gone (or off Linux, where there is no /proc). */
export function readProcessStat(pid: number | 'self'): ProcessStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    // Only a missing entry (or ESRCH, for a process gone while its entry was read: get_proc_task() in
    // fs/proc/base.c) means the process is gone. Anything else, EMFILE in a process at its descriptor
    // limit above all, says nothing about it, and the caller must not take it for an exit.
    if (['ENOENT', 'ESRCH'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw error;
  }
  // The command name in parentheses may hold spaces; field 3 starts two characters after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const field = (n: number) => fields[n - 3];
  return {
    state: field(3),
    ppid: Number(field(4)),
    pgrp: Number(field(5)),
    childrenUserTicks: Number(field(16)),
    childrenSystemTicks: Number(field(17)),
    startTicks: Number(field(22)),
  };
}

/** The clock ticks since boot now (USER_HZ, 100 a second), to compare with a process's startTicks. */
export function ticksSinceBoot(): number {
  return Math.floor(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 100);
}

/** True while `pid` runs: it exists and has not exited (a zombie waiting for its parent has). */
export function isRunning(pid: number): boolean {
  const state = readProcessStat(pid)?.state;
  return state !== undefined && state !== 'Z';
}

/** The soft limit on a process's descriptors (RLIMIT_NOFILE), from /proc/PID/limits. */
export function descriptorLimit(pid: number | 'self' = 'self'): number {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('Max open files'));
  return Number(line?.split(/\s+/)[3]);
}

/** A "Vm…" line of /proc/PID/status in bytes (VmRSS: resident now, VmHWM: its peak); NaN if absent. */
export function memoryOf(pid: number | 'self', field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
}

/**
 * How many times a thread of `pid` (the main thread when `tid` is left out) has gone to sleep of
 * its own accord: voluntary_ctxt_switches in /proc/PID/task/TID/status (proc(5)). A thread that
 * waits and is never woken keeps the same count. NaN once it has gone.
 */
export function sleepsOf(pid: number, tid = pid): number {
  try {
    const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    return Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(status)?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

/**
 * Where a thread sleeps in the kernel, from /proc/PID/task/TID/wchan (the main thread's when `tid`
 * is left out): "do_epoll_wait" for a Node process whose event loop waits, "0" for one that runs
 * or that the kernel cannot name, "" once it has gone or where the kernel has no such file.
 */
export function sleepingIn(pid: number | 'self', tid?: number): string {
  try {
    return readFileSync(tid === undefined ? `/proc/${pid}/wchan` : `/proc/${pid}/task/${tid}/wchan`, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Whether this kernel names where threads sleep. proc_pid_wchan() in fs/proc/base.c writes "0"
 * when it cannot (no access, no symbol), and the file is absent without CONFIG_KALLSYMS. Some
 * thread of this process is always asleep: Node's workers wait on futexes.
 */
export function kernelNamesWaitChannels(): boolean {
  return readdirSync('/proc/self/task').some((tid) => !['', '0'].includes(sleepingIn('self', Number(tid))));
}

/**
 * Each thread of `pid` with its name and the CPU time it has used, in ns, from the scheduler's own
 * account (/proc/PID/task/TID/schedstat). A thread that ends while we look is left out.
 */
export function threadCpu(pid: number | 'self'): Array<{ tid: number; name: string; cpuNs: number }> {
  const threads: Array<{ tid: number; name: string; cpuNs: number }> = [];
  for (const tid of readdirSync(`/proc/${pid}/task`).map(Number)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const cpuNs = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      threads.push({ tid, name, cpuNs });
    } catch {
      // The thread ended while we looked: it has no share to report.
    }
  }
  return threads;
}
