/**
 * Pools and hedging, each through Ballast against two test upstreams on loopback:
 * - what a balanced pool of two upstreams costs against a single entry, paced;
 * - p99 with and without hedging when one member stalls on a fraction of calls.
 * Self-contained (starts and stops its own children); not yet called from bench/run.ts.
 */
import { writeModelsFile } from '../../test/support/models-file';
import { paced, pool } from '../load/paced';
import { startBallast, startUpstream, setUpstreamFault, Child } from '../support/children';
import { BenchSettings } from '../support/settings';
import { LatencySummary, summarise } from '../support/stats';
import { CHAT_PATH, chatBody, Target, UPSTREAM_MODEL } from '../support/targets';

/** The stall the hedging figure injects on one member: 5 s on 20% of its calls, seeded. */
export const HEDGE_STALL = { rate: 0.2, ms: 5_000, seed: 16 };
const HEDGE_RATE = 20;
const HEDGE_TIMEOUT_MS = 15_000;

export interface PoolSide {
  latency: LatencySummary;
  errors: number;
}

export interface PoolOverheadFigure {
  rate: number;
  single: PoolSide;
  pool: PoolSide;
}

export interface HedgingFigure {
  description: string;
  rate: number;
  hedged: PoolSide;
  unhedged: PoolSide;
}

export interface PoolFigures {
  overhead: PoolOverheadFigure;
  hedging: HedgingFigure;
}

/** Every model the scenarios call; `a` serves alone in `single`, both serve the pools; `b` stalls in the hedging figure. */
export function poolModels(a: string, b: string): object {
  const provider = (origin: string) => ({ type: 'openai', baseUrl: `${origin}/v1`, maxConcurrency: 10_000, maxQueue: 1_000 });
  const members = [
    { provider: 'a', model: UPSTREAM_MODEL },
    { provider: 'b', model: UPSTREAM_MODEL },
  ];
  const latencyPool = { pool: { strategy: 'latency', entries: members } };
  // Even weights, so the stalling member keeps its half of the calls (the latency strategy would
  // mostly steer around it, and the figure would show the balancer rather than the hedge).
  const evenPool = { pool: { strategy: 'weighted', entries: members } };
  return {
    providers: { a: provider(a), b: provider(b) },
    models: {
      single: { route: [{ provider: 'a', model: UPSTREAM_MODEL }] },
      pool: { route: [latencyPool] },
      unhedged: { route: [evenPool] },
      // Half the calls land on the member that stalls 20% of them: a budget of 25% covers every stall.
      hedged: { route: [evenPool], hedge: { percentile: 95, maxExtraRatio: 0.25 } },
    },
  };
}

async function side(ballast: Child, model: string, rate: number, durationMs: number, timeoutMs: number): Promise<PoolSide> {
  const target: Target = { name: 'ballast', origin: ballast.origin, model, process: ballast };
  const client = pool(ballast.origin);
  try {
    const result = await paced(client, { rate, durationMs, path: CHAT_PATH, body: chatBody(target), timeoutMs });
    return { latency: summarise(result.latencies), errors: result.sent - result.ok };
  } finally {
    await client.close();
  }
}

/** Rounds alternate single and pool so a neighbour's load on this shared machine lands on both alike. */
async function overhead(ballast: Child, settings: BenchSettings): Promise<PoolOverheadFigure> {
  const rate = settings.pacedRates[0];
  const rounds = settings.quick ? 1 : 2;
  const samples = { single: [] as LatencySummary[], pool: [] as LatencySummary[] };
  const errors = { single: 0, pool: 0 };
  for (let round = 0; round < rounds; round++) {
    for (const model of ['single', 'pool'] as const) {
      await side(ballast, model, rate, settings.warmupMs, 10_000);
      const measured = await side(ballast, model, rate, settings.pacedMs / rounds, 10_000);
      samples[model].push(measured.latency);
      errors[model] += measured.errors;
    }
  }
  const worst = (runs: LatencySummary[]) => runs.reduce((a, b) => (b.p99 > a.p99 ? b : a));
  return {
    rate,
    single: { latency: worst(samples.single), errors: errors.single },
    pool: { latency: worst(samples.pool), errors: errors.pool },
  };
}

async function hedging(ballast: Child, stalling: Child, settings: BenchSettings): Promise<HedgingFigure> {
  // Warm the latency estimates and the adaptive hedge delay on a healthy pool, so the delay is known (20
  // answers per member) before the stalls begin and the figure measures hedging, not its warm-up.
  await side(ballast, 'hedged', HEDGE_RATE, settings.warmupMs, HEDGE_TIMEOUT_MS);
  await setUpstreamFault(stalling, { kind: 'sometimes', rate: HEDGE_STALL.rate, fault: { kind: 'latency', ms: HEDGE_STALL.ms } });
  try {
    return {
      description: `one of two members stalls ${HEDGE_STALL.ms} ms on ${HEDGE_STALL.rate * 100}% of its calls`,
      rate: HEDGE_RATE,
      hedged: await side(ballast, 'hedged', HEDGE_RATE, settings.faultMs, HEDGE_TIMEOUT_MS),
      unhedged: await side(ballast, 'unhedged', HEDGE_RATE, settings.faultMs, HEDGE_TIMEOUT_MS),
    };
  } finally {
    await setUpstreamFault(stalling, undefined);
  }
}

export async function pools(settings: BenchSettings): Promise<PoolFigures> {
  const a = await startUpstream('pool-upstream-a', { seed: HEDGE_STALL.seed });
  const b = await startUpstream('pool-upstream-b', { seed: HEDGE_STALL.seed + 1 });
  try {
    const ballast = await startBallast('ballast-pools', writeModelsFile(poolModels(a.origin, b.origin)));
    try {
      return { overhead: await overhead(ballast, settings), hedging: await hedging(ballast, b, settings) };
    } finally {
      await ballast.stop();
    }
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}
