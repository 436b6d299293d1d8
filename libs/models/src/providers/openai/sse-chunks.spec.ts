import { BallastError } from '@ballast/errors';
import { BallastMetrics } from '@ballast/observability';
import { Readable } from 'node:stream';
import pino from 'pino';
import { sseChunks as sut, SseScope } from './sse-chunks';

const chunk = (i: number) => `data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"${i}"}}]}\n\n`;
const BAD = 'data: {"id":"c","choices":[{"delta":{"content":"oo\n\n';

function setup(overrides: Partial<SseScope> = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  const metrics = new BallastMetrics({ defaultMetrics: false });
  const scope: SseScope = {
    provider: 'p',
    maxRetryAfterSeconds: 60,
    maxEventChars: 1024,
    maxBadEvents: 3,
    metrics,
    logger,
    ...overrides,
  };
  return { scope, lines, metrics };
}

async function collect(parts: Array<string | Buffer>, scope: SseScope): Promise<{ contents: string[]; error?: unknown }> {
  const contents: string[] = [];
  try {
    for await (const c of sut(
      Readable.from(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))),
      new AbortController().signal,
      scope,
      'req-1',
    )) {
      contents.push(c.choices[0].delta.content ?? '');
    }
    return { contents };
  } catch (error) {
    return { contents, error };
  }
}

const badCount = async (metrics: BallastMetrics) =>
  (await metrics.upstreamBadEvents.get()).values.find((v) => v.labels.provider === 'p')?.value ?? 0;

describe('sseChunks', () => {
  it('yields every chunk in order and stops at [DONE], whatever the read boundaries', async () => {
    const { scope } = setup();
    const text = [1, 2, 3].map(chunk).join('') + 'data: [DONE]\n\n' + chunk(4);
    const split = [text.slice(0, 7), text.slice(7, 100), text.slice(100, 101), text.slice(101)];
    expect(await collect(split, scope)).toEqual({ contents: ['1', '2', '3'] });
  });

  it('keeps a multi-byte character split across reads whole', async () => {
    const { scope } = setup();
    const bytes = Buffer.from(chunk(0).replace('"0"', '"é€"'));
    const at = bytes.indexOf(Buffer.from('€')) + 1;
    expect((await collect([bytes.subarray(0, at), bytes.subarray(at)], scope)).contents).toEqual(['é€']);
  });

  it('skips an event that is not JSON, counts it and logs it at warn with the request id but not its bytes', async () => {
    const { scope, lines, metrics } = setup();
    const parts = [...Array.from({ length: 9 }, (_, i) => chunk(i)), BAD, chunk(9), 'data: [DONE]\n\n'];
    expect(await collect(parts, scope)).toEqual({ contents: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
    expect(await badCount(metrics)).toBe(1);
    expect(lines).toEqual([expect.objectContaining({ level: 40, request_id: 'req-1', provider: 'p', bad_events: 1 })]);
    expect(JSON.stringify(lines)).not.toContain('oo');
  });

  it('ends the stream with UPSTREAM_BAD_RESPONSE at one bad event more than allowed, after the good ones', async () => {
    const { scope, metrics } = setup({ maxBadEvents: 2 });
    const { contents, error } = await collect([chunk(1), BAD, 'data: 42\n\n', chunk(2), BAD, chunk(3)], scope);
    expect(contents).toEqual(['1', '2']);
    expect(error).toBeInstanceOf(BallastError);
    expect((error as BallastError).code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(await badCount(metrics)).toBe(3);
  });

  it('refuses one line longer than the limit without buffering it', async () => {
    const { scope } = setup({ maxEventChars: 1000 });
    const line = Buffer.alloc(64 * 1024, 'x');
    const parts = [chunk(1), 'data: ', ...Array.from({ length: 50 }, () => line)];
    const stream = Readable.from(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
    const contents: string[] = [];
    let error: unknown;
    try {
      for await (const c of sut(stream, new AbortController().signal, scope, 'req-1')) {
        contents.push(c.choices[0].delta.content ?? '');
      }
    } catch (e) {
      error = e;
    }
    expect(contents).toEqual(['1']);
    expect((error as BallastError).code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(((error as BallastError).cause as Error).message).toContain('longer than 1000 characters');
    expect(stream.destroyed).toBe(true);
    expect(stream.readableEnded).toBe(false);
  });

  it('turns an error the upstream sends mid-stream into a taxonomy error', async () => {
    const { scope } = setup();
    const overloaded = 'data: {"error":{"message":"The server is overloaded","type":"server_error","code":503}}\n\n';
    const { contents, error } = await collect([chunk(1), overloaded], scope);
    expect(contents).toEqual(['1']);
    expect((error as BallastError).code).toBe('UPSTREAM_UNAVAILABLE');
    const filtered = 'event: error\ndata: {"error":{"message":"filtered","code":"content_filter","status":400}}\n\n';
    expect(((await collect([filtered], scope)).error as BallastError).code).toBe('CONTENT_REJECTED');
  });

  it('makes a body that breaks off UPSTREAM_UNAVAILABLE', async () => {
    const { scope } = setup();
    const broken = new Readable({
      read() {
        this.push(Buffer.from(chunk(1)));
        this.destroy(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }));
      },
    });
    const contents: string[] = [];
    const error = await (async () => {
      for await (const c of sut(broken, new AbortController().signal, scope, 'req-1')) {
        contents.push(c.choices[0].delta.content ?? '');
      }
    })().catch((e: unknown) => e);
    expect((error as BallastError).code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('holds the body while a parsed chunk waits for its reader, and reads on once it is taken', async () => {
    const { scope } = setup();
    const body = new Readable({ read() {} });
    const iterator = sut(body, new AbortController().signal, scope, 'req-1');
    const first = iterator.next();
    body.push(chunk(1) + chunk(2));
    expect((await first).value?.choices[0].delta.content).toBe('1');
    // Chunk 2 is queued and nobody asked for it yet: the upstream is not read meanwhile.
    expect(body.isPaused()).toBe(true);
    expect((await iterator.next()).value?.choices[0].delta.content).toBe('2');
    expect(body.isPaused()).toBe(false);
    body.push('data: [DONE]\n\n');
    body.push(null);
    expect((await iterator.next()).done).toBe(true);
  });
});
