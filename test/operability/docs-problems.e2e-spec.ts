import { once } from 'node:events';
import { createServer, Server, Socket } from 'node:net';
import request from 'supertest';
import { TestApp } from '../support/create-test-app';
import { writeModelsFile } from '../support/models-file';
import { createStartedApp } from './started-app';

type Operation = { responses: Record<string, { content?: Record<string, { examples?: Record<string, unknown> }> }> };

function documentedCodes(operation: Operation): string[] {
  return Object.values(operation.responses).flatMap((response) =>
    Object.keys(response.content?.['application/problem+json']?.examples ?? {}),
  );
}

/**
 * Issue 13: each operation documents the problems its handler produces. The
 * problems are provoked for real (bad input, unknown model, a context that
 * cannot fit, a dead upstream, a silent one) and each code seen must be in
 * that operation's documented responses.
 */
describe('OpenAPI lists each route its own problems', () => {
  let t: TestApp;
  let silent: Server;
  const sockets: Socket[] = [];
  let operations: Record<string, Operation>;
  const seen = new Map<string, Set<string>>();

  beforeAll(async () => {
    // Accepts and never answers.
    silent = createServer((socket) => sockets.push(socket)).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}/v1`;
    const fast = { retries: 0, breaker: { minCalls: 1000 } };
    const modelsFile = writeModelsFile({
      providers: {
        dead: { type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', resilience: fast },
        silent: { type: 'openai', baseUrl: silentUrl, timeoutMs: 300, resilience: fast },
        local: { type: 'local' },
      },
      models: {
        chat: { route: [{ provider: 'dead', model: 'm' }] },
        tiny: { route: [{ provider: 'dead', model: 'm', contextWindow: 10 }] },
        slow: { route: [{ provider: 'silent', model: 'm' }] },
        ocr: { route: [{ provider: 'local', model: 'ocr' }] },
        vision: { route: [{ provider: 'dead', model: 'm' }] },
      },
    });
    t = await createStartedApp({ env: { MODELS_FILE: modelsFile, MAX_UPLOAD_BYTES: '2000' } });
    const document = (await request(t.server).get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, Operation>> };
    operations = {
      chat: document.paths['/v1/chat/completions'].post,
      analyze: document.paths['/v1/vision/analyze'].post,
      ocr: document.paths['/v1/vision/ocr'].post,
    };
  });
  afterAll(async () => {
    sockets.forEach((socket) => socket.destroy());
    silent?.close();
    await t?.close();
  });

  async function provoke(operation: string, path: string, body: unknown): Promise<string> {
    const res = await request(t.server)
      .post(path)
      .send(body as object);
    const code = (res.body as { code?: string }).code ?? `HTTP ${res.status}`;
    seen.set(operation, (seen.get(operation) ?? new Set()).add(code));
    return code;
  }

  it('chat: every problem it answers with is documented', async () => {
    const chat = (body: unknown) => provoke('chat', '/v1/chat/completions', body);
    const messages = [{ role: 'user', content: 'hello there' }];
    expect(await chat({ model: 'chat' })).toBe('VALIDATION_FAILED');
    expect(await chat({ model: 'nope', messages })).toBe('MODEL_NOT_FOUND');
    expect(await chat({ model: 'tiny', messages, max_tokens: 50 })).toBe('CONTEXT_LENGTH_EXCEEDED');
    expect(['UPSTREAM_UNAVAILABLE', 'ALL_ROUTES_FAILED']).toContain(await chat({ model: 'chat', messages }));
    expect(await chat({ model: 'slow', messages })).toBe('MODEL_TIMEOUT');
    const image = { type: 'image_url', image_url: { url: `data:image/png;base64,${'A'.repeat(4000)}` } };
    expect(await chat({ model: 'chat', messages: [{ role: 'user', content: [image] }] })).toBe('PAYLOAD_TOO_LARGE');
    const documented = documentedCodes(operations.chat);
    expect([...seen.get('chat')!].filter((code) => !documented.includes(code))).toEqual([]);
  });

  it.each(['analyze', 'ocr'])('vision %s: every problem it answers with is documented', async (name) => {
    const path = `/v1/vision/${name}`;
    const prompt = name === 'analyze' ? { prompt: 'what is it?' } : {};
    expect(await provoke(name, path, { ...prompt })).toBe('VALIDATION_FAILED');
    expect(await provoke(name, path, { ...prompt, image: 'aGVsbG8=', model: 'nope' })).toBe('MODEL_NOT_FOUND');
    expect(await provoke(name, path, { ...prompt, image: 'aGVsbG8=' })).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(await provoke(name, path, { ...prompt, image: 'A'.repeat(4000) })).toBe('PAYLOAD_TOO_LARGE');
    const documented = documentedCodes(operations[name]);
    expect([...seen.get(name)!].filter((code) => !documented.includes(code))).toEqual([]);
    for (const code of ['VALIDATION_FAILED', 'MODEL_NOT_FOUND', 'CONTEXT_LENGTH_EXCEEDED', 'PAYLOAD_TOO_LARGE', 'MODEL_TIMEOUT']) {
      expect(documented).toContain(code);
    }
  });
});
