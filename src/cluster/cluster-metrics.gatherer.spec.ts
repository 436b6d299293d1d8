import type { Worker } from 'node:cluster';
import { Counter, Gauge, Registry } from 'prom-client';
import { ClusterMetricsGatherer, GATHER_TIMEOUT_MS } from './cluster-metrics.gatherer';
import type { MetricsJson, WorkerMetricsRequest } from './cluster-messages';

/** A worker that records what the primary sends it; anything but a metrics request fails the test. */
function fakeWorker(): Worker & { requests: WorkerMetricsRequest[] } {
  const requests: WorkerMetricsRequest[] = [];
  return {
    requests,
    isConnected: () => true,
    send: (message: unknown) => {
      if ((message as { type?: string }).type !== 'ballast:worker-metrics') {
        throw new Error(`unexpected message to a worker: ${JSON.stringify(message)}`);
      }
      requests.push(message as WorkerMetricsRequest);
      return true;
    },
  } as unknown as Worker & { requests: WorkerMetricsRequest[] };
}

async function registryJson(requests: number, breaker: number): Promise<MetricsJson> {
  const registry = new Registry();
  new Counter({ name: 'ballast_http_requests_total', help: 'h', labelNames: ['route'], registers: [registry] }).inc(
    { route: '/v1/models' },
    requests,
  );
  new Gauge({ name: 'ballast_circuit_breaker_state', help: 'b', labelNames: ['provider'], registers: [registry], aggregator: 'max' }).set(
    { provider: 'p' },
    breaker,
  );
  return registry.getMetricsAsJSON();
}

function answer(sut: ClusterMetricsGatherer, worker: ReturnType<typeof fakeWorker>, metrics: MetricsJson): void {
  sut.onMessage(worker, { type: 'ballast:worker-metrics-answer', id: worker.requests.at(-1)!.id, metrics });
}

describe('ClusterMetricsGatherer', () => {
  afterEach(() => jest.useRealTimers());

  it('adds up counters, takes the worst breaker state, and adds the per-worker and cluster series', async () => {
    const [a, b] = [fakeWorker(), fakeWorker()];
    const sut = new ClusterMetricsGatherer(
      () => [
        { worker: a, slot: 0 },
        { worker: b, slot: 1 },
      ],
      () => 3,
    );
    const text = sut.gather();
    answer(sut, a, await registryJson(4, 0));
    answer(sut, b, await registryJson(6, 2));
    const result = await text;
    expect(result).toContain('ballast_http_requests_total{route="/v1/models"} 10');
    expect(result).toContain('ballast_circuit_breaker_state{provider="p"} 2');
    expect(result).toContain('ballast_cluster_worker_http_requests_total{worker="0"} 4');
    expect(result).toContain('ballast_cluster_worker_http_requests_total{worker="1"} 6');
    expect(result).toContain('ballast_cluster_workers 2');
    expect(result).toContain('ballast_cluster_worker_restarts_total 3');
  });

  it('fails the scrape when a worker does not answer in time, rather than report a partial sum', async () => {
    jest.useFakeTimers();
    const [a, b] = [fakeWorker(), fakeWorker()];
    const sut = new ClusterMetricsGatherer(
      () => [
        { worker: a, slot: 0 },
        { worker: b, slot: 1 },
      ],
      () => 0,
    );
    const text = sut.gather();
    answer(sut, a, await registryJson(1, 0));
    jest.advanceTimersByTime(GATHER_TIMEOUT_MS);
    await expect(text).rejects.toThrow('worker slot(s) 1 did not send their metrics in time');
  });

  it('stops waiting for a worker that exits mid-scrape', async () => {
    const [a, b] = [fakeWorker(), fakeWorker()];
    const sut = new ClusterMetricsGatherer(
      () => [
        { worker: a, slot: 0 },
        { worker: b, slot: 1 },
      ],
      () => 1,
    );
    const text = sut.gather();
    answer(sut, a, await registryJson(5, 0));
    sut.onExit(b);
    const result = await text;
    expect(result).toContain('ballast_http_requests_total{route="/v1/models"} 5');
    expect(result).toContain('ballast_cluster_workers 1');
  });

  it('ignores answers to another scrape and messages that are not its own', async () => {
    const a = fakeWorker();
    const sut = new ClusterMetricsGatherer(
      () => [{ worker: a, slot: 0 }],
      () => 0,
    );
    const text = sut.gather();
    sut.onMessage(a, { type: 'ballast:worker-metrics-answer', id: 999, metrics: await registryJson(100, 0) });
    sut.onMessage(a, { type: 'something-else' });
    answer(sut, a, await registryJson(2, 0));
    expect(await text).toContain('ballast_http_requests_total{route="/v1/models"} 2');
  });
});
