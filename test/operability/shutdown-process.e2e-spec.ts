import { once } from 'node:events';
import { Socket, createConnection } from 'node:net';
import { BallastProcess, spawnBallast, waitUntilReady as ready } from '../support/spawn-ballast';

/**
 * The real process on SIGTERM. Until the streaming routes exist, the
 * in-flight request is an upload still being sent: it is admitted (the
 * `100 Continue` proves the server has taken it) and stays in flight until
 * the test sends the rest of its body.
 */
async function startUpload(port: number): Promise<{ socket: Socket; finish(): void; response: Promise<string> }> {
  const socket = createConnection(port, '127.0.0.1');
  await once(socket, 'connect');
  let received = '';
  const continued = new Promise<void>((resolve) => {
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (received.includes('100 Continue')) {
        resolve();
      }
    });
  });
  const body = '{"image":"x"}';
  socket.write(
    'POST /v1/__upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
  );
  const response = once(socket, 'close').then(() => received.replace(/^HTTP\/1.1 100 Continue\r\n\r\n/, ''));
  await continued;
  return { socket, finish: () => socket.write(body), response };
}

/** Readiness from the moment of SIGTERM: how long until it answers 503. */
async function msUntilNotReady(port: number, since: number, limitMs: number): Promise<number> {
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
    if (res.status === 503 || Date.now() - since > limitMs) {
      return res.status === 503 ? Date.now() - since : Infinity;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Exit code, once stdout has been read to the end ('exit' can come before the last lines). */
function exitedAndFlushed(ballast: BallastProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const closed = once(ballast.child, 'close');
  return closed.then(() => ballast.exited);
}

function jsonLines(ballast: BallastProcess): Array<Record<string, unknown>> {
  return ballast.stdout.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

describe('graceful shutdown (child process, SIGTERM)', () => {
  let ballast: BallastProcess | undefined;
  afterEach(() => ballast?.stop());

  it('fails readiness within 1 s, refuses new work, lets the in-flight request finish, and exits 0 within the grace period', async () => {
    const graceMs = 8000;
    ballast = spawnBallast({ SHUTDOWN_GRACE_MS: String(graceMs) });
    const exited = exitedAndFlushed(ballast);
    const port = await ballast.listening;
    await ready(port);
    const upload = await startUpload(port);

    const signalled = Date.now();
    ballast.child.kill('SIGTERM');
    expect(await msUntilNotReady(port, signalled, 1000)).toBeLessThan(1000);

    const refused = await fetch(`http://127.0.0.1:${port}/v1/models`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ code: 'SHUTTING_DOWN', retryable: true });
    await fetch(`http://127.0.0.1:${port}/health/live`).then((res) => expect(res.status).toBe(200));

    upload.finish();
    // Answered (no such route yet: a 404 problem), not cut.
    expect(await upload.response).toMatch(/^HTTP\/1.1 404 [^]*"code":"NOT_FOUND"/);

    const exit = await exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(graceMs);
    const messages = jsonLines(ballast).map((line) => line.msg);
    expect(messages).toEqual(expect.arrayContaining(['shutting down: draining', 'drained: every in-flight request finished']));
    // Written after the app closed, right before the flush and exit: the async log destination was flushed.
    expect(messages).toContain('stopped');
  });

  it('answers a request still waiting when grace runs out with SHUTTING_DOWN, then exits 0', async () => {
    const graceMs = 300;
    ballast = spawnBallast({ SHUTDOWN_GRACE_MS: String(graceMs) });
    const exited = exitedAndFlushed(ballast);
    const port = await ballast.listening;
    await ready(port);
    const upload = await startUpload(port);

    const signalled = Date.now();
    ballast.child.kill('SIGTERM');
    const response = await upload.response;
    expect(response).toMatch(/^HTTP\/1.1 503 /);
    expect(response).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(response).toContain('"code":"SHUTTING_DOWN"');
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(graceMs - 10);

    expect(await exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(graceMs + 2000);
    expect(jsonLines(ballast).map((line) => line.msg)).toContain('grace period over: ending what is still open');
  });
});
