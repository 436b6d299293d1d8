import { existsSync, readFileSync } from 'node:fs';
import type { Child } from '../support/children';

/**
 * What a preloaded probe in `child` writes to `file` when sent SIGUSR2 (the probes write it whole, to a
 * temporary name renamed into place, so a file that exists is complete). Waits up to `timeoutMs` for it.
 */
export async function signalledDump<T>(child: Child, file: string, timeoutMs = 30_000): Promise<T> {
  process.kill(child.pid, 'SIGUSR2');
  for (let waited = 0; !existsSync(file); waited += 50) {
    if (waited > timeoutMs) {
      throw new Error(`${child.name} wrote nothing to ${file} after SIGUSR2; see ${child.logFile}`);
    }
    await new Promise((r) => setTimeout(r, 50)); // the probe writes when it gets the signal (or its profiler answers)
  }
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}
