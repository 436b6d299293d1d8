/**
 * The test upstream on its own (docker compose, benchmarks in another process): `npm run upstream`.
 * PORT (9000), HOST (0.0.0.0), UPSTREAM_CHUNKS, UPSTREAM_CHUNK_DELAY_MS, UPSTREAM_LATENCY_MS (a default latency fault),
 * UPSTREAM_FAULT_RATE (a default random 503 at that rate), UPSTREAM_REPLY, UPSTREAM_MODEL, UPSTREAM_RECORD (true),
 * UPSTREAM_SEED (seeds random-status and sometimes faults; unset = unseeded).
 */
import { Fault } from './faults';
import { startTestUpstream } from './test-upstream';

function numberFrom(name: string, integer = false): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') {
    return undefined;
  }
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`${name} must be a non-negative ${integer ? 'integer' : 'number'}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function defaultFault(): Fault | undefined {
  const latency = numberFrom('UPSTREAM_LATENCY_MS');
  const rate = numberFrom('UPSTREAM_FAULT_RATE');
  if (latency !== undefined && rate !== undefined) {
    throw new Error('UPSTREAM_LATENCY_MS and UPSTREAM_FAULT_RATE cannot both be set (one default fault at a time)');
  }
  if (rate !== undefined && rate > 1) {
    throw new Error('UPSTREAM_FAULT_RATE must be between 0 and 1');
  }
  if (latency !== undefined) {
    return { kind: 'latency', ms: latency };
  }
  return rate !== undefined ? { kind: 'random-status', rate, status: 503 } : undefined;
}

async function main(): Promise<void> {
  const fault = defaultFault();
  const upstream = await startTestUpstream({
    port: numberFrom('PORT', true) ?? 9000,
    host: process.env.HOST || '0.0.0.0',
    chunks: numberFrom('UPSTREAM_CHUNKS', true),
    chunkDelayMs: numberFrom('UPSTREAM_CHUNK_DELAY_MS'),
    reply: process.env.UPSTREAM_REPLY || undefined,
    name: process.env.UPSTREAM_MODEL || undefined,
    record: process.env.UPSTREAM_RECORD !== 'false',
    seed: numberFrom('UPSTREAM_SEED', true),
  });
  upstream.setDefault(fault);
  process.stdout.write(`${JSON.stringify({ msg: 'test upstream listening', port: upstream.port })}\n`);
  const stop = (): void => {
    upstream.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${JSON.stringify({ msg: 'test upstream failed to start', error: (err as Error).message })}\n`);
  process.exit(1);
});
