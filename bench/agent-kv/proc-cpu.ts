// CPU time a process has used so far, from /proc/<pid>/stat (user + system),
// so the bench can charge each cell the CPU its servers spent on it.
import { readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // USER_HZ, 100 on every Linux the bench runs on

/** Milliseconds of CPU from a /proc/<pid>/stat line; undefined when the line is not one. */
export function cpuMsOfStat(stat: string): number | undefined {
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) && fields.length > 13 ? ((utime + stime) * 1000) / TICKS_PER_S : undefined;
}

/** The CPU milliseconds of `pids` together; 0 for a process that is gone or off Linux. */
export function cpuMsOf(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += cpuMsOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8')) ?? 0;
    } catch {
      // gone, or not Linux
    }
  }
  return total;
}
