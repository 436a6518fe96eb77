// Readings of a process (and of its children: a collector's cluster workers) from /proc:
// peak resident memory (VmHWM), CPU time, child pids. Linux only.
import { readdirSync, readFileSync } from 'node:fs';

export interface PeakRss {
  /** VmHWM of the process and of each of its children (cluster workers), in bytes. */
  readonly processes: readonly { pid: number; bytes: number }[];
  /** Their sum: the whole collector's peak, counted generously (shared pages counted twice). */
  readonly totalBytes: number;
  /** The largest single process. */
  readonly maxBytes: number;
}

/** A field of /proc/PID/status, in kB (0 if the process is gone). */
export function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** USER_HZ: the unit of the CPU times in /proc/PID/stat (100 on Linux, whatever the kernel's HZ). */
export const CLOCK_TICKS = 100;

/** utime + stime of a process from /proc/PID/stat, in clock ticks (0 if it is gone). */
export function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

/** Processes whose parent is `pid` (from /proc/*\/stat: this kernel has no /proc/PID/task/TID/children). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may hold spaces and parentheses: read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Peak resident memory (VmHWM) of `pid` and its children, read now. */
export function peakRss(pid: number): PeakRss {
  const processes = [pid, ...childPids(pid)].map((p) => ({ pid: p, bytes: statusKb(p, 'VmHWM') * 1024 })).filter((p) => p.bytes > 0);
  return {
    processes,
    totalBytes: processes.reduce((s, p) => s + p.bytes, 0),
    maxBytes: Math.max(0, ...processes.map((p) => p.bytes)),
  };
}

/** CPU time (user + system) used so far by `pid` and its children, in seconds. */
export function cpuSeconds(pid: number): number {
  return [pid, ...childPids(pid)].reduce((sum, p) => sum + cpuTicks(p), 0) / CLOCK_TICKS;
}
