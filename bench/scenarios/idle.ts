/** An idle replica's own CPU: what it spends per second with no request at all (timers, probes, samplers, GC). */
import { Child } from '../support/children';
import { treeCpuMs } from '../support/proc-stats';
import { BenchSettings } from '../support/settings';
import type { TargetName } from '../support/targets';

export interface IdleFigure {
  /** CPU per second of wall time while no request arrives, ms (/proc's 10 ms ticks: ±0.5 ms/s over 20 s). */
  cpuMsPerSecond: Partial<Record<TargetName, number>>;
  measuredMs: number;
}

/**
 * Waits out start-up (the OCR pool's workers, V8's memory reducer after the
 * first seconds) and then reads every middle's CPU over the same window: a
 * replica that waits for traffic should cost next to nothing, and what it does
 * spend is a floor under every pod's CPU.
 */
export async function idleCpu(middles: Partial<Record<TargetName, Child>>, settings: BenchSettings): Promise<IdleFigure> {
  const settleMs = settings.quick ? 10_000 : 30_000;
  const measuredMs = settings.quick ? 10_000 : 20_000;
  await new Promise((resolve) => setTimeout(resolve, settleMs)); // the subject is time with nothing happening
  const entries = Object.entries(middles) as Array<[TargetName, Child]>;
  const before = entries.map(([, child]) => treeCpuMs(child.pid));
  await new Promise((resolve) => setTimeout(resolve, measuredMs));
  const cpuMsPerSecond = Object.fromEntries(
    entries.map(([name, child], i) => [name, (treeCpuMs(child.pid) - before[i]) / (measuredMs / 1000)]),
  ) as Partial<Record<TargetName, number>>;
  return { cpuMsPerSecond, measuredMs };
}
