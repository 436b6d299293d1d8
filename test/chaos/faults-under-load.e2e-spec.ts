/**
 * Chaos: 50 clients at once through the real app while the upstream
 * misbehaves in every way it knows, one fault at a time. For every request:
 * it ended in time, with a success or a problem / SSE error event carrying
 * a taxonomy code and its request id, and nothing of the inside showing.
 * Then the books: ballast_http_requests_total and the summary log lines
 * account for every request sent.
 */
import request from 'supertest';
import { createTestApp, TestApp } from '../support/create-test-app';
import { writeModelsFile } from '../support/models-file';
import { Fault, startTestUpstream, TestUpstream } from '../upstream';
import { Outcome, runLoad, tally } from './chaos-load';

const REQUEST_TIMEOUT_MS = 2_000;
const CLIENTS = 50;
const PHASE_MS = 1_500;
const CHAT_ROUTE = '/v1/chat/completions';

interface Phase {
  name: string;
  fault: Fault;
  /** Results a non-streaming request may end with. */
  plain: string[];
  /** Results a streaming request may end with. */
  stream: string[];
}

const PHASES: Phase[] = [
  { name: 'latency', fault: { kind: 'latency', ms: 100 }, plain: ['success'], stream: ['success'] },
  {
    name: 'half the calls 5xx',
    fault: { kind: 'random-status', rate: 0.5, status: 500 },
    plain: ['success', 'UPSTREAM_UNAVAILABLE'],
    stream: ['success', 'UPSTREAM_UNAVAILABLE'],
  },
  {
    name: '429 with Retry-After',
    fault: { kind: 'status', status: 429, headers: { 'Retry-After': '1' } },
    plain: ['MODEL_OVERLOADED'],
    stream: ['MODEL_OVERLOADED'],
  },
  { name: 'hang', fault: { kind: 'hang' }, plain: ['MODEL_TIMEOUT'], stream: ['MODEL_TIMEOUT'] },
  { name: 'connection reset', fault: { kind: 'reset' }, plain: ['UPSTREAM_UNAVAILABLE'], stream: ['UPSTREAM_UNAVAILABLE'] },
  {
    name: 'dropped mid-body',
    fault: { kind: 'drop-stream', afterChunks: 2 },
    plain: ['UPSTREAM_UNAVAILABLE', 'UPSTREAM_BAD_RESPONSE'],
    stream: ['UPSTREAM_UNAVAILABLE'],
  },
  { name: 'drip slower than the idle limit', fault: { kind: 'drip', intervalMs: 700 }, plain: ['success'], stream: ['MODEL_TIMEOUT'] },
  { name: 'malformed JSON', fault: { kind: 'malformed' }, plain: ['UPSTREAM_BAD_RESPONSE'], stream: ['UPSTREAM_BAD_RESPONSE'] },
];

function chatRequestsCounted(metrics: string): number {
  return metrics
    .split('\n')
    .filter((line) => line.startsWith('ballast_http_requests_total{') && line.includes(`route="${CHAT_ROUTE}"`))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

function gauge(metrics: string, name: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ').pop()) : NaN;
}

describe('chaos: every fault under concurrent load', () => {
  let upstream: TestUpstream;
  let t: TestApp;
  let counted = 0;

  const metricsText = async (): Promise<string> => (await request(t.server).get('/metrics').expect(200)).text;

  /** Counters move when a response closes: give them a moment to catch up with what was sent. */
  const settledMetrics = async (expectedCount: number): Promise<string> => {
    let text = await metricsText();
    for (let i = 0; i < 30 && (chatRequestsCounted(text) < expectedCount || gauge(text, 'ballast_sse_streams_active') > 0); i++) {
      await new Promise((r) => setTimeout(r, 100));
      text = await metricsText();
    }
    return text;
  };

  beforeAll(async () => {
    upstream = await startTestUpstream({ record: false, chunks: 5 });
    const fast = {
      retries: 1,
      backoffBaseMs: 5,
      backoffMaxMs: 20,
      // The breaker stays closed so every request meets the fault itself.
      breaker: { minCalls: 100_000 },
      firstChunkTimeoutMs: 800,
      idleTimeoutMs: 400,
    };
    t = await createTestApp({
      listen: true,
      env: {
        MODELS_FILE: writeModelsFile({
          providers: { primary: { type: 'openai', baseUrl: upstream.url, timeoutMs: 800, maxConcurrency: 200, resilience: fast } },
          models: { chat: { route: [{ provider: 'primary', model: 'chaos-model' }] } },
        }),
        REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        RATE_LIMIT_RPM: '1000000',
        LOG_LEVEL: 'info',
      },
    });
    counted = chatRequestsCounted(await metricsText());
  });

  afterAll(async () => {
    await t.close();
    await upstream.close();
  });

  it.each(PHASES.map((phase) => [phase.name, phase] as const))('%s', async (_name, phase) => {
    upstream.setDefault(phase.fault);
    let outcomes: Outcome[];
    try {
      outcomes = await runLoad({
        url: t.url!,
        clients: CLIENTS,
        durationMs: PHASE_MS,
        // A generous margin past the deadline: an answer later than this is a hang.
        hangAfterMs: REQUEST_TIMEOUT_MS + 1_500,
        extraLeaks: [`:${upstream.port}`],
      });
    } finally {
      upstream.setDefault(undefined);
    }

    expect(outcomes.length).toBeGreaterThanOrEqual(CLIENTS);
    expect(outcomes.filter((o) => o.violation).map((o) => `${o.stream ? 'stream' : 'plain'} ${o.status}: ${o.violation}`)).toEqual([]);
    const unexpected = outcomes.filter((o) => !(o.stream ? phase.stream : phase.plain).includes(o.result));
    expect({ unexpected: tally(unexpected), all: tally(outcomes) }).toMatchObject({ unexpected: {} });

    // The books: one counted request and one summary log line per request sent, no stream left open.
    const metrics = await settledMetrics(counted + outcomes.length);
    expect(chatRequestsCounted(metrics) - counted).toBe(outcomes.length);
    expect(gauge(metrics, 'ballast_sse_streams_active')).toBe(0);
    counted += outcomes.length;
    const summaries = new Map<string, number>();
    for (const line of t.logs.lines) {
      if (line.msg === 'request completed' && line.route === CHAT_ROUTE) {
        summaries.set(String(line.request_id), (summaries.get(String(line.request_id)) ?? 0) + 1);
      }
    }
    expect(outcomes.filter((o) => summaries.get(o.requestId!) !== 1).map((o) => o.requestId)).toEqual([]);
  });
});
