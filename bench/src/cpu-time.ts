import { readFileSync } from 'node:fs';

/** CPU time (user + system, ms) a process has used so far, from /proc; NaN where /proc cannot tell. */
function cpuMs(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/**
 * Starts counting the CPU the named processes use; the returned function, called when a load
 * ends, says how much each spent per request (µs), e.g. "api 180 / worker 40 / redis 35".
 */
export function cpuPerRequest(pids: Record<string, number>): (requests: number) => string {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid)]));
  return (requests) =>
    Object.entries(pids)
      .map(([name, pid]) => `${name} ${(((cpuMs(pid) - before[name]!) * 1000) / requests).toFixed(0)}`)
      .join(' / ');
}
