/** Non-streaming chat at a paced rate: latency through each target, and what the middle adds. */
import { paced, pool } from '../load/paced';
import { treeCpuMs } from '../support/proc-stats';
import { BenchSettings } from '../support/settings';
import { LatencySummary, summarise } from '../support/stats';
import { CHAT_PATH, chatBody, Target, TargetName } from '../support/targets';

export interface PacedFigure {
  rate: number;
  latency: Record<TargetName, LatencySummary>;
  /** Errors (non-2xx, failures, hung) per target. */
  errors: Record<TargetName, number>;
  /** CPU the middle process (with its workers, if any) spent per request, ms. */
  cpuPerRequestMs: Partial<Record<TargetName, number>>;
  /** The sender's own lateness, p99 ms (a sanity check on the schedule). */
  scheduleSlipP99: number;
}

/**
 * Each rate runs in rounds that visit the targets in turn, so a
 * neighbour's load on this shared machine lands on all of them alike.
 */
export async function chatLatency(targets: Target[], settings: BenchSettings): Promise<PacedFigure[]> {
  const figures: PacedFigure[] = [];
  const rounds = settings.quick ? 1 : 2;
  for (const rate of settings.pacedRates) {
    const samples = new Map<TargetName, number[]>();
    const errors = new Map<TargetName, number>();
    const cpu = new Map<TargetName, { ms: number; requests: number }>();
    let slip = 0;
    for (let round = 0; round < rounds; round++) {
      for (const target of targets) {
        const client = pool(target.origin);
        const options = { rate, path: CHAT_PATH, body: chatBody(target), timeoutMs: 10_000 };
        await paced(client, { ...options, durationMs: settings.warmupMs });
        const before = target.process ? treeCpuMs(target.process.pid) : 0;
        const result = await paced(client, { ...options, durationMs: settings.pacedMs / rounds });
        if (target.process) {
          const spent = cpu.get(target.name) ?? { ms: 0, requests: 0 };
          cpu.set(target.name, { ms: spent.ms + treeCpuMs(target.process.pid) - before, requests: spent.requests + result.sent });
        }
        await client.close();
        samples.set(target.name, [...(samples.get(target.name) ?? []), ...result.latencies]);
        errors.set(target.name, (errors.get(target.name) ?? 0) + (result.sent - result.ok));
        slip = Math.max(slip, result.scheduleSlipP99);
      }
    }
    figures.push({
      rate,
      latency: Object.fromEntries([...samples].map(([name, values]) => [name, summarise(values)])) as Record<TargetName, LatencySummary>,
      errors: Object.fromEntries(errors) as Record<TargetName, number>,
      cpuPerRequestMs: Object.fromEntries([...cpu].map(([name, spent]) => [name, spent.ms / spent.requests])),
      scheduleSlipP99: slip,
    });
  }
  return figures;
}
