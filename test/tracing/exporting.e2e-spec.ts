import { createServer } from 'node:net';
import { spawnBallast, waitUntilReady } from '../support/spawn-ballast';
import { writeModelsFile } from '../support/models-file';
import { startOtlpReceiver } from '../support/otlp-receiver';
import { startTestUpstream, TestUpstream } from '../upstream';

const PROMPT = 'PROMPT-TEXT-protobuf-check-91d0';

/** A loopback port nothing listens on: the collector is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function metric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(
    text
      .split('\n')
      .find((line) => line.startsWith(`${name} `))
      ?.split(' ')[1] ?? NaN,
  );
}

async function eventually(read: () => Promise<boolean>, limitMs = 20_000): Promise<void> {
  const since = Date.now();
  while (!(await read())) {
    if (Date.now() - since > limitMs) {
      throw new Error(`condition not met within ${limitMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50)); // the figure lives in another process: polled, bounded
  }
}

async function start(upstream: TestUpstream, env: Record<string, string>) {
  const ballast = spawnBallast({
    MODELS_FILE: writeModelsFile({
      providers: { primary: { type: 'openai', baseUrl: upstream.url } },
      models: { chat: { route: [{ provider: 'primary', model: 'primary-model' }] } },
    }),
    ...env,
  });
  const port = await ballast.listening;
  await waitUntilReady(port);
  return { ballast, base: `http://127.0.0.1:${port}` };
}

const chat = (base: string, body: object = {}, headers: Record<string, string> = {}) =>
  fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: PROMPT }], ...body }),
  });

/** Each test boots its own child process; a shared CI machine can make that slow. */
const BOOTS_A_PROCESS_MS = 60_000;

describe('exporting traces (child processes)', () => {
  let upstream: TestUpstream;
  const stops: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    upstream = await startTestUpstream({ name: 'primary-model' });
  });
  afterAll(async () => {
    await Promise.all(stops.map((stop) => stop()));
    await upstream.close();
  });
  beforeEach(() => upstream.reset());

  it(
    'sends OTLP protobuf by default, without the prompt text',
    async () => {
      const receiver = await startOtlpReceiver();
      stops.push(() => receiver.close());
      const { ballast, base } = await start(upstream, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '20' });
      stops.push(() => ballast.stop());

      const res = await chat(base);
      expect(res.status).toBe(200);
      const requestId = res.headers.get('x-request-id')!;
      await receiver.waitFor(() => {
        const text = Buffer.concat(receiver.bodies).toString('latin1');
        return text.includes(requestId) && text.includes('chat primary-model');
      });
      expect(receiver.contentTypes.every((type) => type === 'application/x-protobuf')).toBe(true);
      expect(Buffer.concat(receiver.bodies).toString('latin1')).not.toContain(PROMPT);
    },
    BOOTS_A_PROCESS_MS,
  );

  it(
    'with the collector down, answers as usual and counts the spans it drops',
    async () => {
      const { ballast, base } = await start(upstream, {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
        OTEL_BSP_SCHEDULE_DELAY: '20',
        OTEL_EXPORTER_OTLP_TIMEOUT: '300',
      });
      stops.push(() => ballast.stop());
      expect(await metric(base, 'ballast_trace_spans_dropped_total')).toBe(0);

      const answers = await Promise.all(Array.from({ length: 5 }, () => chat(base)));
      expect(answers.map((res) => res.status)).toEqual([200, 200, 200, 200, 200]);
      await Promise.all(answers.map((res) => res.json()));
      await eventually(async () => (await metric(base, 'ballast_trace_spans_dropped_total')) >= 10);
      expect((await chat(base)).status).toBe(200);
    },
    BOOTS_A_PROCESS_MS,
  );

  it(
    'without OTEL variables starts no SDK: no spans are made and the client traceparent goes upstream untouched',
    async () => {
      const { ballast, base } = await start(upstream, { OTEL_SERVICE_NAME: 'only-a-name' });
      stops.push(() => ballast.stop());
      upstream.enqueue({ kind: 'drip', intervalMs: 200 });
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const res = await chat(base, { stream: true }, { traceparent });
      await res.body!.getReader().read();
      // With tracing on, the open request holds a server and an attempt span.
      expect(await metric(base, 'ballast_trace_spans_active')).toBe(0);
      expect(upstream.requests[0].headers.traceparent).toBe(traceparent);
      expect(ballast.stdout.join('\n')).not.toMatch(/opentelemetry/i);
    },
    BOOTS_A_PROCESS_MS,
  );
});
