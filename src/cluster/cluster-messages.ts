import type { Registry } from 'prom-client';

/** One registry's series as prom-client's getMetricsAsJSON() gives them (what AggregatorRegistry.aggregate reads). */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** Worker → primary: a scrape landed on me, send me every worker's metrics, aggregated. */
export interface ScrapeRequest {
  type: 'ballast:scrape';
  id: number;
}
/** Primary → worker: the answer to a ScrapeRequest. */
export interface ScrapeAnswer {
  type: 'ballast:scrape-answer';
  id: number;
  text?: string;
  error?: string;
}
/** Primary → worker: send me your own registry's series. */
export interface WorkerMetricsRequest {
  type: 'ballast:worker-metrics';
  id: number;
}
/** Worker → primary: the answer to a WorkerMetricsRequest. */
export interface WorkerMetricsAnswer {
  type: 'ballast:worker-metrics-answer';
  id: number;
  metrics?: MetricsJson;
  error?: string;
}

export type ClusterMessage = ScrapeRequest | ScrapeAnswer | WorkerMetricsRequest | WorkerMetricsAnswer;

/** Narrows an IPC message (anything a process may send) to one of ours, by its type. */
export function isClusterMessage<T extends ClusterMessage['type']>(
  message: unknown,
  type: T,
): message is Extract<ClusterMessage, { type: T }> {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}
