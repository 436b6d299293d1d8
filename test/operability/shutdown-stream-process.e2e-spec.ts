import { once } from 'node:events';
import { BallastProcess, spawnBallast, waitUntilReady } from '../support/spawn-ballast';
import { writeModelsFile } from '../support/models-file';
import { startTestUpstream, TestUpstream } from '../upstream';

describe('graceful shutdown with an open stream (child process, SIGTERM)', () => {
  let upstream: TestUpstream;
  let ballast: BallastProcess | undefined;

  beforeAll(async () => {
    upstream = await startTestUpstream({ chunks: 8, chunkDelayMs: 250 });
  });
  afterAll(async () => {
    await ballast?.stop();
    await upstream.close();
  });

  it('turns readiness 503, lets the slow stream end with [DONE], and exits 0 within the grace period', async () => {
    const graceMs = 10_000;
    const modelsFile = writeModelsFile({
      providers: { primary: { type: 'openai', baseUrl: upstream.url } },
      models: { chat: { route: [{ provider: 'primary', model: 'm' }] } },
    });
    ballast = spawnBallast({ MODELS_FILE: modelsFile, SHUTDOWN_GRACE_MS: String(graceMs) });
    const closed = once(ballast.child, 'close');
    const port = await ballast.listening;
    await waitUntilReady(port);

    const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value);

    const signalled = Date.now();
    ballast.child.kill('SIGTERM');
    let readiness = 200;
    while (readiness !== 503 && Date.now() - signalled < 1000) {
      readiness = (await fetch(`http://127.0.0.1:${port}/health/ready`)).status;
    }
    expect(readiness).toBe(503);

    for (let part = await reader.read(); !part.done; part = await reader.read()) {
      text += decoder.decode(part.value);
    }
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(text).not.toContain('event: error');

    await closed;
    expect(await ballast.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(graceMs);
  });
});
