/** The highest rate each target sustains with < 1% errors (closed loop, autocannon). */
import { closedLoop, ClosedLoopResult } from '../load/closed-loop';
import { treeCpuMs } from '../support/proc-stats';
import { BenchSettings } from '../support/settings';
import { CHAT_PATH, chatBody, Target, TargetName } from '../support/targets';

export interface ThroughputFigure extends ClosedLoopResult {
  /** CPU the middle process (with its workers, if any) spent per request, ms. */
  cpuPerRequestMs?: number;
}

const MAX_ERROR_RATE = 0.01;

async function measure(target: Target, connections: number, durationMs: number): Promise<ThroughputFigure> {
  const before = target.process ? treeCpuMs(target.process.pid) : 0;
  const result = await closedLoop(target.origin + CHAT_PATH, chatBody(target), connections, durationMs);
  return { ...result, cpuPerRequestMs: target.process ? (treeCpuMs(target.process.pid) - before) / result.requests : undefined };
}

/** The round with the median rate: its CPU per request and latencies belong to the same seconds. */
function medianRound(rounds: ThroughputFigure[]): ThroughputFigure {
  return [...rounds].sort((a, b) => a.rps - b.rps)[Math.floor(rounds.length / 2)];
}

/**
 * Each target in turn, for several rounds in alternating order (as bench/ab.ts does), so that a
 * neighbour's load or this VM's speed drifting over the phase lands on all of them alike rather
 * than on whichever ran last; the figure is each target's median round.
 */
export async function throughput(targets: Target[], settings: BenchSettings): Promise<Record<TargetName, ThroughputFigure>> {
  const rounds = new Map<Target, ThroughputFigure[]>(targets.map((target) => [target, []]));
  const connectionsOf = new Map<Target, number>();
  for (const target of targets) {
    await closedLoop(target.origin + CHAT_PATH, chatBody(target), settings.closedLoopConnections, 1_000);
  }
  for (let round = 0; round < settings.closedLoopRounds; round++) {
    for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
      const connections = connectionsOf.get(target);
      if (connections !== undefined) {
        rounds.get(target)!.push(await measure(target, connections, settings.closedLoopMs));
        continue;
      }
      // Fewer connections when the first try is over the error budget: the rate that holds is the figure.
      for (const tried of [settings.closedLoopConnections, 16, 4]) {
        const figure = await measure(target, tried, settings.closedLoopMs);
        rounds.set(target, [figure]);
        connectionsOf.set(target, tried);
        if (figure.errorRate < MAX_ERROR_RATE) {
          break;
        }
      }
    }
  }
  return Object.fromEntries(targets.map((target) => [target.name, medianRound(rounds.get(target)!)])) as Record<
    TargetName,
    ThroughputFigure
  >;
}
