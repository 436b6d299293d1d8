import { BallastProcess, spawnBallast, waitUntilReady } from '../support/spawn-ballast';
import { writeModelsFile } from '../support/models-file';
import { OtlpReceiver, ReceivedSpan, startOtlpReceiver } from '../support/otlp-receiver';
import { startTestUpstream, TestUpstream } from '../upstream';

const SERVER = 2;
const CLIENT = 3;

const traceOf = (spans: ReceivedSpan[], requestId: string) => {
  const server = spans.find((s) => s.kind === SERVER && s.attributes['ballast.request_id'] === requestId);
  return server ? spans.filter((s) => s.traceId === server.traceId) : [];
};

/** The span events of hedges, continuations and resumes, on the request's server span (child process, real OTLP/HTTP exporter). */
describe('traced route decisions: hedges, continuations, resumes', () => {
  let primary: TestUpstream;
  let backup: TestUpstream;
  let receiver: OtlpReceiver;
  let ballast: BallastProcess;
  let base: string;

  beforeAll(async () => {
    primary = await startTestUpstream({ name: 'primary-model' });
    backup = await startTestUpstream({ name: 'backup-model' });
    receiver = await startOtlpReceiver();
    const noRetry = { retries: 0 };
    ballast = spawnBallast({
      MODELS_FILE: writeModelsFile({
        providers: {
          primary: { type: 'openai', baseUrl: primary.url, resilience: noRetry },
          backup: { type: 'openai', baseUrl: backup.url, resilience: noRetry },
        },
        models: {
          hedged: {
            route: [
              {
                pool: {
                  strategy: 'weighted',
                  entries: [
                    { provider: 'primary', model: 'primary-model' },
                    { provider: 'backup', model: 'backup-model' },
                  ],
                },
              },
            ],
            hedge: { afterMs: 100, maxExtraRatio: 1 },
          },
          continued: {
            continueOnFailure: true,
            route: [
              { provider: 'primary', model: 'primary-model' },
              { provider: 'backup', model: 'backup-model', prefill: true },
            ],
          },
          chat: { route: [{ provider: 'primary', model: 'primary-model' }] },
        },
      }),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '20',
    });
    const port = await ballast.listening;
    await waitUntilReady(port);
    base = `http://127.0.0.1:${port}`;
  }, 60_000);
  afterAll(async () => {
    await ballast?.stop();
    await Promise.all([primary?.close(), backup?.close(), receiver?.close()]);
  });
  beforeEach(() => {
    primary.reset();
    backup.reset();
  });

  const chat = (body: object, headers: Record<string, string> = {}) =>
    fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hello' }], ...body }),
    });

  const serverEvents = async (requestId: string, name: string, clientSpans = 1) => {
    const trace = await receiver.waitFor((spans) => {
      const found = traceOf(spans, requestId);
      return found.filter((s) => s.kind === CLIENT).length >= clientSpans && found.some((s) => s.kind === SERVER) && found;
    });
    return { trace, events: trace.find((s) => s.kind === SERVER)!.events.filter((e) => e.name === name) };
  };

  it('records a hedge and its outcome', async () => {
    // Whichever member the balancer picks first is slow, so the hedge fires on the other one.
    primary.enqueue({ kind: 'latency', ms: 400 });
    backup.enqueue({ kind: 'latency', ms: 400 });
    const res = await chat({ model: 'hedged' });
    expect(res.status).toBe(200);
    const { trace, events } = await serverEvents(res.headers.get('x-request-id')!, 'ballast.hedge', 2);
    expect(events).toHaveLength(1);
    expect(['won', 'lost']).toContain(events[0].attributes['ballast.hedge.outcome']);
    expect(String(events[0].attributes['ballast.route.entry'])).toMatch(/^hedged\/(primary|backup)\//);
    expect(trace.filter((s) => s.kind === CLIENT)).toHaveLength(2);
  });

  it('records a stream continued on the prefill entry, and gives the continuation its own attempt span', async () => {
    primary.enqueue({ kind: 'drop-stream', afterChunks: 2 });
    const res = await chat({ model: 'continued', stream: true });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(': continued continued/backup/backup-model');
    const { trace, events } = await serverEvents(res.headers.get('x-request-id')!, 'ballast.continuation', 2);
    expect(events).toHaveLength(1);
    expect(events[0].attributes).toMatchObject({
      'ballast.continuation.outcome': 'continued',
      'ballast.route.entry': 'continued/backup/backup-model',
      'ballast.fallback.from': 'continued/primary/primary-model',
    });
    expect(events[0].attributes['ballast.error.code']).toEqual(expect.any(String));
    expect(events[0].attributes['ballast.continuation.characters']).toBeGreaterThan(0);
    const continuation = trace.find((s) => s.kind === CLIENT && s.attributes['gen_ai.request.model'] === 'backup-model');
    expect(continuation?.attributes).toMatchObject({ 'ballast.route.entry': 'continued/backup/backup-model', 'ballast.fallback': true });
  });

  it('records a resume on the resuming request, and a refused one as not_found', async () => {
    const streamed = await chat({ model: 'chat', stream: true }, { 'x-ballast-resumable': 'true' });
    expect(await streamed.text()).toContain('[DONE]');
    const streamId = streamed.headers.get('x-request-id')!;

    const resumed = await fetch(`${base}/v1/chat/streams/${streamId}?after=0`);
    expect(resumed.status).toBe(200);
    expect(await resumed.text()).toContain('[DONE]');
    const { events } = await serverEvents(resumed.headers.get('x-request-id')!, 'ballast.resume', 0);
    expect(events.map((e) => e.attributes)).toEqual([
      {
        'ballast.resume.outcome': 'resumed',
        'ballast.resume.after': 0,
        'ballast.resume.stream_id': streamId,
        'ballast.route.entry': 'chat/primary/primary-model',
      },
    ]);

    const refused = await fetch(`${base}/v1/chat/streams/no-such-stream?after=0`);
    expect(refused.status).toBe(404);
    const missing = await serverEvents(refused.headers.get('x-request-id')!, 'ballast.resume', 0);
    expect(missing.events.map((e) => e.attributes)).toEqual([{ 'ballast.resume.outcome': 'not_found', 'ballast.resume.after': 0 }]);
  });
});
