import { ERROR_CODES } from '@ballast/errors';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { tracingState } from './tracing/tracing-state';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** How often prom-client's default metrics sample the event loop's delay (nodejs_eventloop_lag_*). */
const EVENT_LOOP_LAG_SAMPLE_MS = 50;

export type BreakerStateValue = 0 | 1 | 2;

/**
 * Every Prometheus series Ballast publishes (contract section 7), in its own
 * registry so several apps in one process (tests) never collide. Label values
 * must come from closed sets: route templates, public model names, provider
 * ids, error codes.
 */
export class BallastMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'ballast_http_requests_total',
    help: 'HTTP requests answered, by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'ballast_http_request_duration_seconds',
    help: 'HTTP request duration, by route template',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly modelRequests = new Counter({
    name: 'ballast_model_requests_total',
    help: 'Calls to a route entry, by outcome (success or an error code)',
    labelNames: ['model', 'provider', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly modelDuration = new Histogram({
    name: 'ballast_model_request_duration_seconds',
    help: 'Duration of one call to a route entry, retries included',
    labelNames: ['model', 'provider'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly timeToFirstToken = new Histogram({
    name: 'ballast_model_time_to_first_token_seconds',
    help: 'Streaming: request sent to first chunk',
    labelNames: ['model', 'provider'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly retries = new Counter({
    name: 'ballast_model_retries_total',
    help: 'Retried attempts, by provider',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  readonly fallbacks = new Counter({
    name: 'ballast_model_fallbacks_total',
    help: 'Requests that moved to the next route entry',
    labelNames: ['model', 'from', 'to'] as const,
    registers: [this.registry],
  });

  readonly breakerState = new Gauge({
    name: 'ballast_circuit_breaker_state',
    help: 'Circuit breaker state per provider: 0 closed, 1 half-open, 2 open',
    labelNames: ['provider'] as const,
    registers: [this.registry],
    // With WORKERS > 1 each worker has its own breaker: /metrics shows the worst (a sum would mean nothing).
    aggregator: 'max',
  });

  readonly breakerTransitions = new Counter({
    name: 'ballast_circuit_breaker_transitions_total',
    help: 'Circuit breaker state changes per provider, by the state entered',
    labelNames: ['provider', 'state'] as const,
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: 'ballast_errors_total',
    help: 'Problem responses and SSE error events, by taxonomy code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly sseStreamsActive = new Gauge({
    name: 'ballast_sse_streams_active',
    help: 'Server-sent event streams currently open',
    registers: [this.registry],
  });

  readonly sseStreams = new Counter({
    name: 'ballast_sse_streams_total',
    help: 'Server-sent event streams ended, by outcome (done, error, client_closed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly tokens = new Counter({
    name: 'ballast_model_tokens_total',
    help: 'Tokens used, by kind (prompt or completion); cancelled and failed streams included',
    labelNames: ['model', 'provider', 'kind'] as const,
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: 'ballast_rate_limited_total',
    help: 'Requests refused by the rate limiter',
    registers: [this.registry],
  });

  readonly rateLimitStoreErrors = new Counter({
    name: 'ballast_rate_limit_store_errors_total',
    help: 'Rate-limit decisions that failed open because the store was unreachable',
    registers: [this.registry],
  });

  readonly ocrQueueShed = new Counter({
    name: 'ballast_ocr_queue_shed_total',
    help: 'OCR jobs refused because the embedded OCR queue was full',
    registers: [this.registry],
  });

  readonly bulkheadShed = new Counter({
    name: 'ballast_bulkhead_shed_total',
    help: 'Calls refused because a provider was at maxConcurrency with a full queue',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  readonly upstreamBadEvents = new Counter({
    name: 'ballast_upstream_bad_events_total',
    help: 'Upstream SSE events skipped because they were not valid JSON, by provider',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  readonly streamResumes = new Counter({
    name: 'ballast_stream_resumes_total',
    help: 'Resume requests for resumable streams, by outcome (resumed, not_found)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly replayBufferBytes = new Gauge({
    name: 'ballast_replay_buffer_bytes',
    help: "Bytes of SSE events held in this replica's in-memory replay buffer",
    registers: [this.registry],
  });

  readonly replayBufferStreams = new Gauge({
    name: 'ballast_replay_buffer_streams',
    help: "Resumable streams held in this replica's in-memory replay buffer (live and finished)",
    registers: [this.registry],
  });

  readonly replayStoreErrors = new Counter({
    name: 'ballast_replay_store_errors_total',
    help: "Replay-buffer writes or reads that failed in Redis and fell back to this replica's memory",
    registers: [this.registry],
  });

  readonly streamContinuations = new Counter({
    name: 'ballast_stream_continuations_total',
    help: 'Streams that failed after their first chunk and were (or could not be) continued on a prefill entry, by outcome',
    labelNames: ['model', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly hedges = new Counter({
    name: 'ballast_hedges_total',
    help: 'Hedged requests (a second call to another pool member), by outcome: won (the hedge answered first), lost (the first call did), cancelled (neither answered)',
    labelNames: ['model', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly concurrencyLimit = new Gauge({
    name: 'ballast_concurrency_limit',
    help: 'Adaptive concurrency: the bulkhead limit now, per provider',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });

  readonly traceSpansActive = new Gauge({
    name: 'ballast_trace_spans_active',
    help: 'Trace spans started and not yet ended (0 when tracing is off)',
    registers: [this.registry],
    collect() {
      this.set(tracingState.activeSpans);
    },
  });

  readonly traceSpansDropped = new Counter({
    name: 'ballast_trace_spans_dropped_total',
    help: 'Trace spans lost: the export queue was full, or the collector could not be reached or refused them',
    registers: [this.registry],
    collect() {
      // The count lives with the process-wide SDK; this registry only reports it.
      this.reset();
      this.inc(tracingState.droppedSpans);
    },
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    // Series that exist from the start, so rate()/increase() see the first occurrence too.
    for (const code of ERROR_CODES) {
      this.errors.inc({ code }, 0);
    }
    for (const outcome of ['done', 'error', 'client_closed']) {
      this.sseStreams.inc({ outcome }, 0);
    }
    this.sseStreamsActive.set(0);
    for (const outcome of ['resumed', 'not_found']) {
      this.streamResumes.inc({ outcome }, 0);
    }
    this.replayBufferBytes.set(0);
    this.replayBufferStreams.set(0);
    this.replayStoreErrors.inc(0);
    this.rateLimited.inc(0);
    if (options.defaultMetrics !== false) {
      // prom-client samples the loop's delay every 10 ms by default: 100 timer wakeups a second, ~7.5 ms of
      // CPU per second of an idle replica on the bench VM. 50 ms still gives the lag percentiles 20 samples a second.
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_LAG_SAMPLE_MS });
    }
  }

  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
