import { once } from 'node:events';
import { get } from 'node:http';
import { writeModelsFile } from '../support/models-file';
import { RedisServer, startRedisServer } from '../support/redis-server';
import { BallastProcess, spawnBallast, waitUntilReady } from '../support/spawn-ballast';
import { startTestUpstream, TestUpstream } from '../upstream';

type LogLine = Record<string, unknown> & { msg?: string };

function jsonLines(ballast: BallastProcess): LogLine[] {
  return ballast.stdout.flatMap((line) => {
    try {
      return [JSON.parse(line) as LogLine];
    } catch {
      return [];
    }
  });
}

/** Resolves with the lines matching `predicate` once there are `count` of them (stdout is read as it comes). */
function linesWhen(ballast: BallastProcess, predicate: (line: LogLine) => boolean, count = 1, limitMs = 60_000): Promise<LogLine[]> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const found = jsonLines(ballast).filter(predicate);
      if (found.length >= count) {
        clearTimeout(timer);
        ballast.child.stdout!.off('data', onData);
        resolve(found);
        return true;
      }
      return false;
    };
    const onData = (): void => {
      setImmediate(check); // spawn-ballast's own 'data' listener splits the lines first
    };
    const timer = setTimeout(() => {
      ballast.child.stdout!.off('data', onData);
      reject(new Error(`no ${count} matching log line(s) in ${limitMs} ms:\n${ballast.stdout.slice(-20).join('\n')}`));
    }, limitMs);
    if (!check()) {
      ballast.child.stdout!.on('data', onData);
    }
  });
}

/** One GET on a connection of its own, so node:cluster's round robin hands each to the next worker. */
function getOnNewConnection(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** The value of one series in a Prometheus text exposition, or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Readiness on fresh connections until several in a row (so each worker, round robin) say 200: Redis connected everywhere. */
async function everyWorkerReady(port: number, inARow = 4, limitMs = 20_000): Promise<void> {
  const since = Date.now();
  let ready = 0;
  while (ready < inARow) {
    ready = (await getOnNewConnection(port, '/health/ready')).status === 200 ? ready + 1 : 0;
    if (Date.now() - since > limitMs) {
      throw new Error(`workers not ready after ${limitMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25)); // readiness has no event to await from outside the process
  }
}

async function statuses(port: number, requests: number): Promise<Record<number, number>> {
  const counts: Record<number, number> = {};
  for (let i = 0; i < requests; i++) {
    const { status } = await getOnNewConnection(port, '/v1/models');
    counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
}

async function startCluster(env: Record<string, string> = {}): Promise<{ ballast: BallastProcess; port: number; pids: number[] }> {
  const ballast = spawnBallast({ WORKERS: '2', ...env });
  const [listening] = await linesWhen(ballast, (l) => l.msg === 'workers listening');
  const port = Number(listening.port);
  const pids = jsonLines(ballast)
    .filter((l) => l.msg === 'worker started')
    .map((l) => Number(l.pid));
  return { ballast, port, pids };
}

describe('WORKERS=2: one port, two processes (real child processes and signals)', () => {
  let upstream: TestUpstream;
  let ballast: BallastProcess | undefined;

  beforeAll(async () => {
    upstream = await startTestUpstream({ chunks: 8, chunkDelayMs: 250 });
  });
  afterEach(async () => {
    await ballast?.stop();
    ballast = undefined;
  });
  afterAll(() => upstream.close());

  it('serves one port from two worker processes, and /metrics adds up both workers', async () => {
    const started = await startCluster();
    ballast = started.ballast;
    expect(new Set(started.pids).size).toBe(2);
    expect(started.pids).not.toContain(ballast.child.pid);
    await waitUntilReady(started.port);

    const requests = 20;
    for (let i = 0; i < requests; i++) {
      expect((await getOnNewConnection(started.port, '/v1/models')).status).toBe(200);
    }

    // Whichever worker the scrape lands on, it reports both: scrape twice on fresh connections (both workers).
    for (const scrape of [1, 2]) {
      const metrics = await getOnNewConnection(started.port, '/metrics');
      expect({ scrape, status: metrics.status }).toEqual({ scrape, status: 200 });
      expect(sample(metrics.body, 'ballast_http_requests_total{method="GET",route="/v1/models",status="200"}')).toBe(requests);
      expect(sample(metrics.body, 'ballast_cluster_workers')).toBe(2);
      expect(sample(metrics.body, 'ballast_cluster_worker_http_requests_total{worker="0"}')).toBeGreaterThan(0);
      expect(sample(metrics.body, 'ballast_cluster_worker_http_requests_total{worker="1"}')).toBeGreaterThan(0);
      // One HELP per metric: the series were merged, not concatenated.
      expect(metrics.body.match(/^# HELP ballast_http_requests_total /gm)).toHaveLength(1);
    }
  }, 90_000); // two workers boot a whole app each: slow on a busy machine

  it('on SIGTERM lets an open slow stream finish with [DONE] and exits 0 once every worker has', async () => {
    const graceMs = 10_000;
    const modelsFile = writeModelsFile({
      providers: { primary: { type: 'openai', baseUrl: upstream.url } },
      models: { chat: { route: [{ provider: 'primary', model: 'm' }] } },
    });
    const started = await startCluster({ MODELS_FILE: modelsFile, SHUTDOWN_GRACE_MS: String(graceMs) });
    ballast = started.ballast;
    const closed = once(ballast.child, 'close');
    await waitUntilReady(started.port);

    const res = await fetch(`http://127.0.0.1:${started.port}/v1/chat/completions`, {
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
    for (let part = await reader.read(); !part.done; part = await reader.read()) {
      text += decoder.decode(part.value);
    }
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(text).not.toContain('event: error');

    await closed;
    expect(await ballast.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(graceMs);
    const stopped = jsonLines(ballast).filter((l) => l.msg === 'worker stopped');
    expect(stopped.map((l) => ({ pid: l.pid, code: l.code })).sort((a, b) => Number(a.pid) - Number(b.pid))).toEqual(
      [...started.pids].sort((a, b) => a - b).map((pid) => ({ pid, code: 0 })),
    );
    // Each worker drained itself: the stream's worker waited for it, the other had nothing to wait for.
    expect(jsonLines(ballast).filter((l) => l.msg === 'stopped')).toHaveLength(2);
  }, 90_000); // two workers boot a whole app each: slow on a busy machine

  it('replaces a worker that was killed, logs it, and keeps serving from two processes', async () => {
    const started = await startCluster();
    ballast = started.ballast;
    await waitUntilReady(started.port);
    const [victim, survivor] = started.pids;

    process.kill(victim, 'SIGKILL');
    const [died] = await linesWhen(ballast, (l) => l.msg === 'worker died');
    expect(died).toMatchObject({ level: 'error', pid: victim, signal: 'SIGKILL' });
    await linesWhen(ballast, (l) => l.msg === 'workers listening', 2);
    const replacement = jsonLines(ballast)
      .filter((l) => l.msg === 'worker started')
      .map((l) => Number(l.pid))
      .find((pid) => !started.pids.includes(pid));
    expect(replacement).toBeDefined();
    expect(replacement).not.toBe(survivor);

    for (let i = 0; i < 10; i++) {
      expect((await getOnNewConnection(started.port, '/health/live')).status).toBe(200);
    }
    const metrics = await getOnNewConnection(started.port, '/metrics');
    expect(sample(metrics.body, 'ballast_cluster_worker_restarts_total')).toBe(1);
    expect(sample(metrics.body, 'ballast_cluster_workers')).toBe(2);
    expect(sample(metrics.body, 'ballast_cluster_worker_http_requests_total{worker="0"}')).toBeGreaterThan(0);
    expect(sample(metrics.body, 'ballast_cluster_worker_http_requests_total{worker="1"}')).toBeGreaterThan(0);
  }, 90_000); // two workers boot a whole app each: slow on a busy machine

  it('shares RATE_LIMIT_RPM across workers through Redis; without Redis each worker counts alone', async () => {
    const redis: RedisServer | undefined = await startRedisServer();
    if (!redis) {
      console.warn('SKIPPED: redis-server not found');
      return;
    }
    try {
      const shared = await startCluster({ REDIS_URL: redis.url, RATE_LIMIT_RPM: '6' });
      ballast = shared.ballast;
      await everyWorkerReady(shared.port);
      expect(await statuses(shared.port, 10)).toEqual({ 200: 6, 429: 4 });
      const metrics = (await getOnNewConnection(shared.port, '/metrics')).body;
      expect(sample(metrics, 'ballast_cluster_worker_http_requests_total{worker="0"}')).toBeGreaterThan(0);
      expect(sample(metrics, 'ballast_cluster_worker_http_requests_total{worker="1"}')).toBeGreaterThan(0);
      await ballast.stop();

      const alone = await startCluster({ RATE_LIMIT_RPM: '6' });
      ballast = alone.ballast;
      await waitUntilReady(alone.port);
      // Round robin spreads 10 connections over two budgets of 6: more than one budget gets through.
      expect((await statuses(alone.port, 10))[200]).toBeGreaterThan(6);
    } finally {
      await redis.stop();
    }
  }, 120_000);

  it('gives up with exit 1 when workers keep dying, instead of forking them forever', async () => {
    // 192.0.2.1 (TEST-NET-1) is no address of this machine: every worker fails to listen and exits 1.
    ballast = spawnBallast({ WORKERS: '2', HOST: '192.0.2.1' });
    await once(ballast.child, 'close');
    expect(await ballast.exited).toEqual({ code: 1, signal: null });
    const lines = jsonLines(ballast);
    // 5 deaths replaced (RESTART_LIMIT), the 6th is one too many: the last worker is stopped, not replaced.
    expect(lines.filter((l) => l.msg === 'worker died')).toHaveLength(6);
    expect(lines.filter((l) => l.msg === 'worker started')).toHaveLength(7);
    expect(lines.find((l) => l.msg === 'workers keep dying; giving up')).toMatchObject({ level: 'fatal' });
  }, 90_000);
});
