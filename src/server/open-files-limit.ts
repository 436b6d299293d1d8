import { readFileSync } from 'node:fs';

/**
 * The soft RLIMIT_NOFILE of this process, from /proc (Linux); undefined
 * elsewhere. Node has no API for it, and the connection cap must stay below it.
 */
export function openFilesLimit(procLimits = '/proc/self/limits'): number | undefined {
  try {
    const line = readFileSync(procLimits, 'utf8')
      .split('\n')
      .find((row) => row.startsWith('Max open files'));
    const soft = line ? Number(line.split(/\s{2,}/)[1]) : NaN;
    return Number.isSafeInteger(soft) && soft > 0 ? soft : undefined;
  } catch {
    return undefined;
  }
}
