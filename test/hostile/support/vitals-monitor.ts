import { request } from 'node:http';
import type { HostileChild } from './hostile-child';

export interface Vitals {
  baselineRssMb: number;
  peakRssMb: number;
  /** The slowest /health/live answer, in ms (a failed probe counts as Infinity). */
  slowestLiveMs: number;
  probes: number;
  failedProbes: number;
  peakFds: number;
}

/** One liveness probe on a fresh connection, as a kubelet makes it. */
function probe(port: number, timeoutMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/health/live', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode === 200 ? performance.now() - started : Infinity));
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(Infinity));
    req.end();
  });
}

/**
 * Watches a child while a case runs: RSS (from /proc) and open file
 * descriptors every 25 ms, and a liveness probe every 100 ms.
 */
export class VitalsMonitor {
  private readonly vitals: Vitals;
  private sampler?: NodeJS.Timeout;
  private running = true;
  private prober?: Promise<void>;

  constructor(private readonly target: HostileChild) {
    const rss = target.rssMb();
    this.vitals = { baselineRssMb: rss, peakRssMb: rss, slowestLiveMs: 0, probes: 0, failedProbes: 0, peakFds: target.openFds() };
  }

  start(): this {
    this.sampler = setInterval(() => this.sample(), 25);
    this.prober = (async () => {
      while (this.running) {
        const ms = await probe(this.target.port, 2000);
        this.vitals.probes++;
        if (ms === Infinity) {
          this.vitals.failedProbes++;
        }
        this.vitals.slowestLiveMs = Math.max(this.vitals.slowestLiveMs, ms);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    return this;
  }

  private sample(): void {
    if (this.target.exited()) {
      return;
    }
    this.vitals.peakRssMb = Math.max(this.vitals.peakRssMb, this.target.rssMb());
    this.vitals.peakFds = Math.max(this.vitals.peakFds, this.target.openFds());
  }

  /** Stops once at least `minProbes` probes have answered (a fast case still gets probed after it). */
  async stop(minProbes = 3): Promise<Vitals> {
    while (this.vitals.probes < minProbes) {
      await new Promise((resolve) => setTimeout(resolve, 20)); // probes are counted as they finish
    }
    this.running = false;
    clearInterval(this.sampler);
    await this.prober;
    this.sample();
    return { ...this.vitals };
  }
}
