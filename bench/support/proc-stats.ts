/** What a child process costs, read from /proc (Linux): resident memory and CPU time. */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every mainstream Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

export function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = status.match(/^VmRSS:\s+(\d+)\s+kB/m);
  return match ? Number(match[1]) : NaN;
}

/** User + system CPU time the process has used so far, in milliseconds. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** The process's direct children (a cluster primary's workers), from /proc/<pid>/task/<tid>/children. */
function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** CPU time of the process and every descendant still running (WORKERS > 1: the primary and its workers), ms. */
export function treeCpuMs(pid: number): number {
  let total: number;
  try {
    total = cpuMs(pid);
  } catch {
    return 0; // exited between the listing and the read
  }
  return childPids(pid).reduce((sum, child) => sum + treeCpuMs(child), total);
}

/** The whole machine's CPU time so far (every CPU, /proc/stat), in clock ticks, by what it went to. */
export interface MachineCpu {
  busy: number;
  /** Time the hypervisor gave this VM's vCPUs to someone else while they had work to do. */
  steal: number;
  total: number;
}

export function machineCpu(): MachineCpu {
  return machineCpuOf(readFileSync('/proc/stat', 'utf8'));
}

/** From /proc/stat's first line: `cpu user nice system idle iowait irq softirq steal guest guest_nice` (guest is inside user). */
export function machineCpuOf(procStat: string): MachineCpu {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = procStat.split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return { busy: user + nice + system + irq + softirq, steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
}

/** Steal since `before`, as a share of all the machine's CPU time and of the time its vCPUs were busy or stolen. */
export function stealSince(before: MachineCpu, now = machineCpu()): { stealPercent: number; stealPercentOfBusy: number } {
  const steal = now.steal - before.steal;
  const busy = now.busy - before.busy;
  return {
    stealPercent: Math.round((1000 * steal) / Math.max(1, now.total - before.total)) / 10,
    stealPercentOfBusy: Math.round((1000 * steal) / Math.max(1, busy + steal)) / 10,
  };
}
