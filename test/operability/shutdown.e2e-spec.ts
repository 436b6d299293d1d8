import type { BallastError } from '@ballast/errors';
import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import request from 'supertest';
import { ShutdownCoordinator } from '../../src/shutdown';
import { TestApp } from '../support/create-test-app';
import { createStartedApp } from './started-app';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => (resolve = res));
  return { promise, resolve };
}

let gates = { slowEntered: deferred(), releaseSlow: deferred(), streamOpen: deferred() };

@Controller('v1/__test')
class SlowController {
  constructor(private readonly shutdown: ShutdownCoordinator) {}

  @Get('slow')
  async slow(): Promise<{ ok: true }> {
    gates.slowEntered.resolve();
    await gates.releaseSlow.promise;
    return { ok: true };
  }

  /** How a streaming handler uses ShutdownCoordinator.trackStream. */
  @Get('stream')
  stream(@Res() reply: FastifyReply): void {
    // As Ballast's own streams do: Fastify lets go of the reply, the handler writes the raw response.
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.write('data: {"n":1}\n\n');
    const stream = {
      end: (error: BallastError) => {
        res.write(`event: error\ndata: ${JSON.stringify({ error: { code: error.code, retryable: error.retryable } })}\n\n`);
        res.end();
      },
    };
    this.shutdown.trackStream(stream);
    res.once('close', () => this.shutdown.untrackStream(stream));
    gates.streamOpen.resolve();
  }
}

async function start(graceMs: number): Promise<TestApp> {
  gates = { slowEntered: deferred(), releaseSlow: deferred(), streamOpen: deferred() };
  return createStartedApp({ controllers: [SlowController], env: { SHUTDOWN_GRACE_MS: String(graceMs) }, listen: true });
}

describe('graceful shutdown (in-process)', () => {
  let t: TestApp;
  afterEach(async () => {
    gates.releaseSlow.resolve();
    await t.close();
  });

  it('lets an in-flight request finish while readiness fails and new requests are refused', async () => {
    t = await start(10_000);
    const slow = fetch(`${t.url}/v1/__test/slow`);
    await gates.slowEntered.promise;
    const coordinator = t.app.get(ShutdownCoordinator);
    expect(coordinator.inFlightCount).toBe(1);
    const drained = coordinator.drain();
    await request(t.server).get('/health/ready').expect(503);
    const refused = await request(t.server).get('/v1/__test/slow').expect(503);
    expect(refused.body).toMatchObject({ code: 'SHUTTING_DOWN', retryable: true });
    expect(refused.headers.connection).toBe('close');
    gates.releaseSlow.resolve();
    const res = await slow;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    await expect(drained).resolves.toEqual({ drained: true, remaining: 0 });
  });

  it('when grace runs out, ends tracked streams with an SSE error event and answers waiting requests with SHUTTING_DOWN', async () => {
    t = await start(200);
    const slow = fetch(`${t.url}/v1/__test/slow`);
    const stream = await fetch(`${t.url}/v1/__test/stream`);
    await Promise.all([gates.slowEntered.promise, gates.streamOpen.promise]);
    const started = Date.now();
    const report = await t.app.get(ShutdownCoordinator).drain();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(report).toEqual({ drained: false, remaining: 0 });

    const body = await stream.text();
    expect(body).toBe('data: {"n":1}\n\nevent: error\ndata: {"error":{"code":"SHUTTING_DOWN","retryable":true}}\n\n');

    const answered = await slow;
    expect(answered.status).toBe(503);
    expect(answered.headers.get('retry-after')).toBe('1');
    expect(answered.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await answered.json()).toMatchObject({ code: 'SHUTTING_DOWN', request_id: answered.headers.get('x-request-id') });
  });
});
