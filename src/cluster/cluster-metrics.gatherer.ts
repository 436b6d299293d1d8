import type { Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { isClusterMessage, MetricsJson, WorkerMetricsRequest } from './cluster-messages';

/** How long the primary waits for every worker's series before the scrape fails. */
export const GATHER_TIMEOUT_MS = 2_000;

export interface WorkerSlot {
  worker: Worker;
  /** 0…WORKERS-1; a replacement takes the slot of the worker it replaces, so label values stay a closed set. */
  slot: number;
}

interface Gathering {
  expected: Map<Worker, number>;
  answers: MetricsJson[];
  perWorkerRequests: Map<number, number>;
  resolve(text: string): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

type MetricJson = MetricsJson[number];

/**
 * The primary's half of the one `/metrics` for all workers: asks every live
 * worker for its registry's series, sums them with prom-client's
 * AggregatorRegistry (each metric's `aggregator` decides: counters and
 * histograms add up, the breaker state takes the worst), and adds the
 * cluster's own series. A scrape fails rather than report a partial sum:
 * counters that drop when a worker is missing would read as resets.
 */
export class ClusterMetricsGatherer {
  private nextId = 0;
  private readonly gatherings = new Map<number, Gathering>();

  constructor(
    private readonly workers: () => WorkerSlot[],
    private readonly restarts: () => number,
    private readonly timeoutMs = GATHER_TIMEOUT_MS,
  ) {}

  gather(): Promise<string> {
    const live = this.workers().filter(({ worker }) => worker.isConnected());
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      const gathering: Gathering = {
        expected: new Map(live.map(({ worker, slot }) => [worker, slot])),
        answers: [],
        perWorkerRequests: new Map(),
        resolve,
        reject,
        timer: setTimeout(() => {
          this.gatherings.delete(id);
          reject(new Error(`worker slot(s) ${[...gathering.expected.values()].join(', ')} did not send their metrics in time`));
        }, this.timeoutMs),
      };
      this.gatherings.set(id, gathering);
      for (const { worker } of live) {
        worker.send({ type: 'ballast:worker-metrics', id } satisfies WorkerMetricsRequest);
      }
      this.finishIfComplete(id, gathering);
    });
  }

  /** Every message a worker sends goes through here (cluster's 'message' event). */
  onMessage(worker: Worker, message: unknown): void {
    if (!isClusterMessage(message, 'ballast:worker-metrics-answer')) {
      return;
    }
    const gathering = this.gatherings.get(message.id);
    const slot = gathering?.expected.get(worker);
    if (!gathering || slot === undefined) {
      return;
    }
    gathering.expected.delete(worker);
    if (!message.metrics) {
      this.fail(message.id, gathering, new Error(`worker slot ${slot} could not read its metrics: ${message.error ?? 'no answer'}`));
      return;
    }
    gathering.answers.push(message.metrics);
    gathering.perWorkerRequests.set(slot, requestsAnswered(message.metrics));
    this.finishIfComplete(message.id, gathering);
  }

  /** A worker that exits mid-scrape is no longer waited for. */
  onExit(worker: Worker): void {
    for (const [id, gathering] of this.gatherings) {
      if (gathering.expected.delete(worker)) {
        this.finishIfComplete(id, gathering);
      }
    }
  }

  private finishIfComplete(id: number, gathering: Gathering): void {
    if (gathering.expected.size > 0) {
      return;
    }
    clearTimeout(gathering.timer);
    this.gatherings.delete(id);
    try {
      const registry = AggregatorRegistry.aggregate([...gathering.answers, this.clusterSeries(gathering)]);
      registry.metrics().then(gathering.resolve, gathering.reject);
    } catch (error) {
      gathering.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private fail(id: number, gathering: Gathering, error: Error): void {
    clearTimeout(gathering.timer);
    this.gatherings.delete(id);
    gathering.reject(error);
  }

  /** What only the primary knows, in getMetricsAsJSON's shape so it aggregates with the rest. */
  private clusterSeries(gathering: Gathering): MetricsJson {
    const series = (name: string, help: string, type: string, values: Array<{ value: number; labels: Record<string, string> }>) =>
      ({ name, help, type, aggregator: 'sum', values }) as unknown as MetricJson;
    return [
      series('ballast_cluster_workers', 'Worker processes whose series this scrape adds up (WORKERS, less any that just died)', 'gauge', [
        { value: gathering.perWorkerRequests.size, labels: {} },
      ]),
      series('ballast_cluster_worker_restarts_total', 'Workers that died and were replaced', 'counter', [
        { value: this.restarts(), labels: {} },
      ]),
      series(
        'ballast_cluster_worker_http_requests_total',
        'HTTP requests answered, by worker slot (since that worker started)',
        'counter',
        [...gathering.perWorkerRequests].sort(([a], [b]) => a - b).map(([slot, value]) => ({ value, labels: { worker: String(slot) } })),
      ),
    ];
  }
}

function requestsAnswered(metrics: MetricsJson): number {
  const counter = metrics.find((metric) => metric.name === 'ballast_http_requests_total');
  return (counter?.values ?? []).reduce((sum, { value }) => sum + value, 0);
}
