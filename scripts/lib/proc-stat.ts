/**
 * /proc/PID/stat, the kernel's one-line status of a process (proc(5)). Plumbing shared by the child
 * helper (is it stopped?), --serve (is its command still whole?), the tests and the benchmark.
 */
import { readFileSync } from 'node:fs';

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
  } catch {
    return undefined;
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
