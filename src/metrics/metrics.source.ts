import { BallastMetrics } from '@ballast/observability';
import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { answerMetricsRequests, askPrimaryForMetrics, isClusterWorker } from '../cluster';

/**
 * What `/metrics` serves: this process's registry, or — in a cluster worker
 * (WORKERS > 1) — every worker's series aggregated by the primary, whichever
 * worker the scrape lands on. A worker also answers the primary's requests
 * for its own series.
 */
@Injectable()
export class MetricsSource implements OnModuleInit, OnModuleDestroy {
  private stopAnswering?: () => void;

  constructor(private readonly metrics: BallastMetrics) {}

  onModuleInit(): void {
    if (isClusterWorker()) {
      this.stopAnswering = answerMetricsRequests(this.metrics.registry);
    }
  }

  onModuleDestroy(): void {
    this.stopAnswering?.();
  }

  text(): Promise<string> {
    return isClusterWorker() ? askPrimaryForMetrics() : this.metrics.metricsText();
  }
}
