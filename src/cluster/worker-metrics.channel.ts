import cluster from 'node:cluster';
import type { Registry } from 'prom-client';
import { isClusterMessage, ScrapeRequest, WorkerMetricsAnswer } from './cluster-messages';

/** How long a worker waits for the primary's aggregated answer before the scrape fails. */
export const SCRAPE_TIMEOUT_MS = 5_000;

export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/** Answers the primary's requests for this worker's series; returns the function that stops answering. */
export function answerMetricsRequests(registry: Registry): () => void {
  const listener = (message: unknown): void => {
    if (!isClusterMessage(message, 'ballast:worker-metrics')) {
      return;
    }
    const reply = (answer: Omit<WorkerMetricsAnswer, 'type' | 'id'>) =>
      process.send?.({ type: 'ballast:worker-metrics-answer', id: message.id, ...answer } satisfies WorkerMetricsAnswer);
    registry.getMetricsAsJSON().then(
      (metrics) => reply({ metrics }),
      (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }),
    );
  };
  process.on('message', listener);
  return () => process.off('message', listener);
}

let nextScrapeId = 0;

/** Asks the primary for every worker's metrics, aggregated, as Prometheus text. */
export function askPrimaryForMetrics(timeoutMs = SCRAPE_TIMEOUT_MS): Promise<string> {
  const id = nextScrapeId++;
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      process.off('message', listener);
    };
    const listener = (message: unknown): void => {
      if (!isClusterMessage(message, 'ballast:scrape-answer') || message.id !== id) {
        return;
      }
      done();
      if (message.text === undefined) {
        reject(new Error(`the primary could not aggregate the workers' metrics: ${message.error ?? 'no answer'}`));
      } else {
        resolve(message.text);
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`the primary did not answer a scrape within ${timeoutMs} ms`));
    }, timeoutMs);
    process.on('message', listener);
    process.send?.({ type: 'ballast:scrape', id } satisfies ScrapeRequest);
  });
}
