/** Under faults: what a client sees going direct and through Ballast, and that nothing is lost or hangs. */
import { request } from 'undici';
import { checkAnswer } from '../../test/chaos/answer-check';
import { paced, pool } from '../load/paced';
import { Child, setUpstreamFault } from '../support/children';
import { BenchSettings } from '../support/settings';
import { summarise } from '../support/stats';
import { CHAT_PATH, chatBody, Target } from '../support/targets';

export interface FaultSide {
  sent: number;
  answered: number;
  ok: number;
  hung: number;
  /** No HTTP answer at all (connection refused or reset). */
  failed: number;
  /** Answers that broke the error contract (no taxonomy code, no request id, leaked text). */
  invalid: number;
  invalidExamples: string[];
  successRate: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
  /** Ballast only: how many requests its ballast_http_requests_total counted for the chat route. */
  counted?: number;
}

export interface FaultFigure {
  name: string;
  description: string;
  direct: FaultSide;
  ballast: FaultSide;
}

export interface FaultRig {
  upstream: Child;
  /** Ballast with REQUEST_TIMEOUT_MS = deadlineMs and the models flaky, failover, slow. */
  ballast: Child;
  deadlineMs: number;
  /** A port nothing listens on: the primary that is down. */
  deadPort: number;
}

/** The models file for the faults instance of Ballast (default resilience settings throughout). */
export function faultModels(upstreamOrigin: string, deadPort: number): object {
  const upstream = { type: 'openai', baseUrl: `${upstreamOrigin}/v1` };
  return {
    providers: {
      flaky: upstream,
      // The same upstream with one setting changed, to show what the breaker's default costs under a 30% error rate.
      flakyTuned: { ...upstream, resilience: { breaker: { minCalls: 50 } } },
      slow: upstream,
      backup: upstream,
      primary: { type: 'openai', baseUrl: `http://127.0.0.1:${deadPort}/v1` },
    },
    models: {
      flaky: { route: [{ provider: 'flaky', model: 'bench-model' }] },
      'flaky-tuned': { route: [{ provider: 'flakyTuned', model: 'bench-model' }] },
      failover: {
        route: [
          { provider: 'primary', model: 'bench-model' },
          { provider: 'backup', model: 'bench-model' },
        ],
      },
      slow: { route: [{ provider: 'slow', model: 'bench-model' }] },
    },
  };
}

async function chatRequestsCounted(origin: string): Promise<number> {
  const response = await request(`${origin}/metrics`);
  const text = await response.body.text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('ballast_http_requests_total{') && l.includes(`route="${CHAT_PATH}"`))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

/** Counters move when a response closes: wait until they have caught up with what was sent. */
async function countedSince(origin: string, before: number, expected: number): Promise<number> {
  const deadline = Date.now() + 5_000;
  let counted = (await chatRequestsCounted(origin)) - before;
  while (counted < expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    counted = (await chatRequestsCounted(origin)) - before;
  }
  return counted;
}

async function side(target: Target, settings: BenchSettings, timeoutMs: number, extraLeaks: string[]): Promise<FaultSide> {
  const client = pool(target.origin, 1024);
  const isBallast = target.name === 'ballast';
  const before = isBallast ? await chatRequestsCounted(target.origin) : 0;
  const result = await paced(client, {
    rate: settings.faultRate,
    durationMs: settings.faultMs,
    path: CHAT_PATH,
    body: chatBody(target),
    timeoutMs,
    check: isBallast ? (status, body, headers) => checkAnswer(status, headers, body, extraLeaks) : undefined,
  });
  await client.destroy();
  const latency = summarise(result.latencies);
  return {
    sent: result.sent,
    answered: result.answered,
    ok: result.ok,
    hung: result.hung,
    failed: result.failed,
    invalid: result.invalid,
    invalidExamples: result.invalidExamples,
    successRate: result.ok / result.sent,
    p50: latency.p50,
    p99: latency.p99,
    statuses: result.statuses,
    counted: isBallast ? await countedSince(target.origin, before, result.sent) : undefined,
  };
}

export async function faults(rig: FaultRig, settings: BenchSettings): Promise<FaultFigure[]> {
  const direct = (origin: string): Target => ({ name: 'direct', origin, model: 'bench-model' });
  const ballast = (model: string): Target => ({ name: 'ballast', origin: rig.ballast.origin, model, process: rig.ballast });
  // Past the deadline plus a generous margin, a request is hung.
  const timeoutMs = rig.deadlineMs + 5_000;
  const leaks = [`:${rig.upstream.origin.split(':').pop()}`, `:${rig.deadPort}`];
  const scenarios = [
    {
      name: 'upstream 30% 5xx',
      description: 'every upstream call fails with 500 at random, 30% of the time',
      fault: { kind: 'random-status', rate: 0.3, status: 500 },
      direct: direct(rig.upstream.origin),
      ballast: ballast('flaky'),
    },
    {
      name: 'upstream 30% 5xx, breaker.minCalls 50',
      description: 'the same, with the breaker judging over at least 50 calls instead of the default 10',
      fault: { kind: 'random-status', rate: 0.3, status: 500 },
      direct: direct(rig.upstream.origin),
      ballast: ballast('flaky-tuned'),
    },
    {
      name: 'primary down, backup healthy',
      description: 'the first route entry refuses connections; the second is healthy',
      fault: undefined,
      direct: direct(`http://127.0.0.1:${rig.deadPort}`),
      ballast: ballast('failover'),
    },
    {
      name: `upstream slower than the ${rig.deadlineMs} ms deadline`,
      description: `every upstream answer takes ${rig.deadlineMs * 2.5} ms; REQUEST_TIMEOUT_MS=${rig.deadlineMs}`,
      fault: { kind: 'latency', ms: rig.deadlineMs * 2.5 },
      direct: direct(rig.upstream.origin),
      ballast: ballast('slow'),
    },
  ];
  const figures: FaultFigure[] = [];
  try {
    for (const scenario of scenarios) {
      await setUpstreamFault(rig.upstream, scenario.fault);
      figures.push({
        name: scenario.name,
        description: scenario.description,
        direct: await side(scenario.direct, settings, timeoutMs, leaks),
        ballast: await side(scenario.ballast, settings, timeoutMs, leaks),
      });
    }
  } finally {
    await setUpstreamFault(rig.upstream, undefined);
  }
  return figures;
}
