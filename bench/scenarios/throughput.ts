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

export async function throughput(targets: Target[], settings: BenchSettings): Promise<Record<TargetName, ThroughputFigure>> {
  const figures: Partial<Record<TargetName, ThroughputFigure>> = {};
  for (const target of targets) {
    const url = target.origin + CHAT_PATH;
    const body = chatBody(target);
    await closedLoop(url, body, settings.closedLoopConnections, 1_000);
    // Fewer connections when the first try is over the error budget: the rate that holds is the figure.
    let figure: ThroughputFigure | undefined;
    for (const connections of [settings.closedLoopConnections, 16, 4]) {
      const before = target.process ? treeCpuMs(target.process.pid) : 0;
      const result = await closedLoop(url, body, connections, settings.closedLoopMs);
      figure = { ...result, cpuPerRequestMs: target.process ? (treeCpuMs(target.process.pid) - before) / result.requests : undefined };
      if (result.errorRate < MAX_ERROR_RATE) {
        break;
      }
    }
    figures[target.name] = figure;
  }
  return figures as Record<TargetName, ThroughputFigure>;
}
