/**
 * Hostile upstreams against the BUILT server in a child process with a known
 * heap limit: a 100 MB error body, a 100 MB answer and a 100 MB SSE line each
 * get the right problem, cost bounded memory that is given back, never slow
 * /health/live past 500 ms, add only a few KB of log, and never end the process.
 */
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { BallastProcess, spawnBallast } from '../support/spawn-ballast';
import { writeModelsFile } from '../support/models-file';
import { startTestUpstream, TestUpstream } from '../upstream';
import type { Fault } from '../upstream';

const MB = 1024 * 1024;
const HEAP_MB = 160;

function rssBytes(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/** Samples RSS and /health/live latency every 50 ms until stopped. */
function watch(port: number, pid: number) {
  let peakRss = 0;
  let slowestLiveMs = 0;
  let failedLive = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peakRss = Math.max(peakRss, rssBytes(pid));
      const started = performance.now();
      try {
        const res = await request(`http://127.0.0.1:${port}/health/live`, { headersTimeout: 5000, bodyTimeout: 5000 });
        await res.body.dump();
        if (res.statusCode !== 200) {
          failedLive++;
        }
      } catch {
        failedLive++;
      }
      slowestLiveMs = Math.max(slowestLiveMs, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 50)); // a probe's period, not a wait for an event
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { peakRss, slowestLiveMs, failedLive };
    },
  };
}

/** Bytes of log written since line `from` for one request, and by no request at all (what it may have set off). */
function logBytesOf(ballast: BallastProcess, from: number, requestId: string): number {
  return ballast.stdout
    .slice(from)
    .filter((line) => {
      try {
        const id = (JSON.parse(line) as { request_id?: string }).request_id;
        return id === requestId || id === undefined;
      } catch {
        return true; // not a JSON line: count it, whatever wrote it
      }
    })
    .reduce((total, line) => total + line.length + 1, 0);
}

describe('hostile upstream bodies against the built server', () => {
  let upstream: TestUpstream;
  let ballast: BallastProcess;
  let port: number;

  beforeAll(async () => {
    upstream = await startTestUpstream();
    const models = {
      providers: {
        hostile: { type: 'openai', baseUrl: upstream.url, resilience: { backoffBaseMs: 5, backoffMaxMs: 20, breaker: { minCalls: 1000 } } },
      },
      models: { chat: { route: [{ provider: 'hostile', model: 'm' }] } },
    };
    ballast = spawnBallast({ MODELS_FILE: writeModelsFile(models), LOG_LEVEL: 'info', NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` });
    port = await ballast.listening;
    // Code compiled and pools warm before the baseline is taken.
    for (let i = 0; i < 20; i++) {
      await chat(false);
    }
  }, 30_000);

  afterAll(async () => {
    await ballast?.stop();
    await upstream?.close();
  });

  async function chat(stream: boolean): Promise<{ status: number; text: string; requestId: string }> {
    const res = await request(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }], stream }),
    });
    return { status: res.statusCode, text: await res.body.text(), requestId: String(res.headers['x-request-id']) };
  }

  it.each<[string, Fault, boolean, number, string]>([
    ['a 100 MB error body', { kind: 'huge-error', status: 500, bytes: 100 * MB }, false, 503, 'UPSTREAM_UNAVAILABLE'],
    ['a 100 MB answer', { kind: 'huge-answer', bytes: 100 * MB }, false, 502, 'UPSTREAM_BAD_RESPONSE'],
    ['a 100 MB SSE line', { kind: 'huge-line', bytes: 100 * MB }, true, 200, 'UPSTREAM_BAD_RESPONSE'],
  ])(
    'survives %s: the right problem, bounded memory given back, live within 500 ms, a few KB of log',
    async (_name, fault, stream, status, code) => {
      upstream.reset();
      const baseline = rssBytes(ballast.child.pid!);
      const logFrom = ballast.stdout.length;
      upstream.enqueue(fault, fault, fault);
      const watcher = watch(port, ballast.child.pid!);
      const answer = await chat(stream);
      const during = await watcher.stop();

      expect(answer.status).toBe(status);
      expect(answer.text).toContain(`"code":"${code}"`);
      expect(during.failedLive).toBe(0);
      expect(during.slowestLiveMs).toBeLessThan(500);
      expect(during.peakRss - baseline).toBeLessThan(80 * MB);
      await Promise.all(upstream.requests.map((r) => r.closed));
      expect(upstream.requests.every((r) => r.clientAborted)).toBe(true);

      // Given back: a few normal requests later the process is near where it started.
      for (let i = 0; i < 10; i++) {
        expect((await chat(false)).status).toBe(200);
      }
      expect(rssBytes(ballast.child.pid!) - baseline).toBeLessThan(40 * MB);
      // Written by now: the later requests' lines came after it.
      expect(logBytesOf(ballast, logFrom, answer.requestId)).toBeLessThan(12 * 1024);
      expect(ballast.child.exitCode).toBeNull();
    },
    60_000,
  );
});
