/** How long each phase runs: the full run (≤ ~10 minutes here) or BENCH_QUICK=1 (~1-2 minutes). */
export interface BenchSettings {
  quick: boolean;
  /** Paced rates for the added-latency figure, requests/s. */
  pacedRates: number[];
  pacedMs: number;
  warmupMs: number;
  /** One round of the closed loop; each target runs closedLoopRounds of them, targets alternated round by round. */
  closedLoopMs: number;
  closedLoopRounds: number;
  closedLoopConnections: number;
  streamSamples: number;
  openStreams: number[];
  faultRate: number;
  faultMs: number;
  visionMs: number;
  ocrSamples: number;
}

export function benchSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  return quick
    ? {
        quick,
        pacedRates: [200, 500],
        pacedMs: 3_000,
        warmupMs: 1_000,
        closedLoopMs: 3_000,
        closedLoopRounds: 1,
        closedLoopConnections: 50,
        streamSamples: 40,
        openStreams: [1_000, 5_000],
        faultRate: 100,
        faultMs: 3_000,
        visionMs: 2_500,
        ocrSamples: 6,
      }
    : {
        quick,
        pacedRates: [200, 500],
        pacedMs: 10_000,
        warmupMs: 2_000,
        closedLoopMs: 5_000,
        closedLoopRounds: 3,
        closedLoopConnections: 50,
        streamSamples: 150,
        openStreams: [1_000, 5_000],
        faultRate: 100,
        faultMs: 8_000,
        visionMs: 8_000,
        ocrSamples: 20,
      };
}
