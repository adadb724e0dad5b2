import { readFileSync } from 'node:fs';

/** Clock ticks per second of `/proc/<pid>/stat` (`getconf CLK_TCK`: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** User + system CPU time of one process, µs, from `/proc/<pid>/stat`; undefined once it is gone. */
function processCpuMicros(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, in parentheses): utime is the 14th
    // field of the line, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1e6) / TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The CPU time spent so far by a set of processes (Linux `/proc`; 10 ms resolution), counting a
 * process that has exited with its last reading: `total()` never goes down, so the difference
 * of two readings is the CPU spent between them by every process of the system.
 *
 * @example
 * ```ts
 * const cpu = new ProcessCpu(() => deployment.pids());
 * const before = cpu.total();
 * await sleep(5000);
 * console.log((cpu.total() - before) / requests, 'µs CPU per request');
 * ```
 */
export class ProcessCpu {
  private readonly last = new Map<number, number>();

  constructor(private readonly pids: () => readonly number[]) {}

  /** Reads every process now and returns the cumulative CPU time of all seen so far, µs. */
  total(): number {
    for (const pid of this.pids()) {
      const us = processCpuMicros(pid);
      if (us !== undefined) this.last.set(pid, us);
    }
    let sum = 0;
    for (const us of this.last.values()) sum += us;
    return sum;
  }

  /** Whether `/proc` can be read here (Linux). */
  static available(): boolean {
    return processCpuMicros(process.pid) !== undefined;
  }
}
