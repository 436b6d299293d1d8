/** The processes a benchmark drives: the test upstream, Ballast and the bare proxy, each its own child. */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request } from 'undici';
import { freePort } from './free-port';
import { API_KEYS } from './targets';

export const REPO_ROOT = resolve(__dirname, '..', '..');
const TS_NODE = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'];
/** Where children's stdout/stderr go: the terminal stays quiet, the logs stay readable. */
export const LOG_DIR = mkdtempSync(join(tmpdir(), 'ballast-bench-'));

export interface Child {
  name: string;
  pid: number;
  /** http://127.0.0.1:PORT */
  origin: string;
  logFile: string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Kills every child still running; for exits and interrupts. */
export function killAllChildren(): void {
  for (const child of running) {
    child.kill('SIGKILL');
  }
}

/** Runs a bench script's `main`: a failure printed and the exit code set, and every child it started killed either way. */
export function runScript(main: () => Promise<void>): void {
  main()
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    })
    .finally(killAllChildren);
}

/**
 * Starts `node <args>` with the open-file limit raised to its hard limit
 * (thousands of open streams need thousands of sockets), output to a file.
 */
function spawnNode(name: string, args: string[], env: Record<string, string>): { child: ChildProcess; logFile: string } {
  const logFile = join(LOG_DIR, `${name}.log`);
  const out = openSync(logFile, 'a');
  const child = spawn('sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', process.execPath, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', out, out],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return { child, logFile };
}

async function waitUntilAnswering(url: string, child: ChildProcess, name: string, logFile: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited before it was ready; see ${logFile}`);
    }
    try {
      const response = await request(url, { headersTimeout: 2000, bodyTimeout: 2000 });
      await response.body.dump();
      if (response.statusCode === 200) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not become ready in ${timeoutMs} ms; see ${logFile}`);
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
}

async function start(name: string, args: string[], env: Record<string, string>, readyPath: string): Promise<Child> {
  const port = await freePort();
  const { child, logFile } = spawnNode(name, args, { ...env, PORT: String(port), HOST: '127.0.0.1' });
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(origin + readyPath, child, name, logFile);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { name, pid: child.pid!, origin, logFile, stop: stopper(child) };
}

export interface UpstreamOptions {
  /** Content chunks per streamed answer. */
  chunks?: number;
  /** Seeds the upstream's random faults, so a run repeats. */
  seed?: number;
}

/** The test upstream (test/upstream) in its own process, not recording requests. */
export function startUpstream(name: string, options: UpstreamOptions = {}): Promise<Child> {
  return start(
    name,
    [...TS_NODE, 'test/upstream/main.ts'],
    {
      UPSTREAM_RECORD: 'false',
      UPSTREAM_CHUNKS: String(options.chunks ?? 5),
      ...(options.seed === undefined ? {} : { UPSTREAM_SEED: String(options.seed) }),
    },
    '/v1/models',
  );
}

/** Per key and minute: 16 keys × 60,000 is 16,000 requests/s, past any rate a middle reaches here. */
const BENCH_RATE_LIMIT_RPM = 60_000;

/** What runs as Ballast: dist/src/main.js, or BENCH_BALLAST_MAIN (another build, for before/after comparisons). */
const BALLAST_MAIN = process.env.BENCH_BALLAST_MAIN ?? 'dist/src/main.js';

/**
 * Ballast as production runs it: dist/src/main.js, NODE_ENV=production,
 * LOG_LEVEL=info (JSON lines to a file), API keys on (API_KEYS; each request
 * carries one, see clientHeaders), the rate limiter on and counting per key.
 * Its budget is raised so that a closed loop, thousands of requests/s over
 * 16 keys, is counted (store, headers) but never refused: the work per
 * request is the same at any budget. TRUST_PROXY is on because the load
 * comes as many clients through X-Forwarded-For, as behind an ingress.
 */
export function startBallast(
  name: string,
  modelsFile: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
  main = BALLAST_MAIN,
): Promise<Child> {
  return start(
    name,
    [...nodeArgs, main],
    {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      MODELS_FILE: modelsFile,
      API_KEYS: API_KEYS.join(','),
      RATE_LIMIT_RPM: String(BENCH_RATE_LIMIT_RPM),
      TRUST_PROXY: 'true',
      SHUTDOWN_GRACE_MS: '1000',
      ...env,
    },
    '/health/startup',
  );
}

/** The practical limit: a bare node:http + undici pass-through proxy (bench/bare-proxy.ts). */
export function startBareProxy(
  name: string,
  upstreamOrigin: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<Child> {
  return start(
    name,
    [...nodeArgs, '-r', 'ts-node/register/transpile-only', 'bench/bare-proxy.ts'],
    { ...env, UPSTREAM: upstreamOrigin },
    '/v1/models',
  );
}

/** WORKERS > 1: resolves once the primary logs that every worker listens (connections made earlier all land on the first). */
export async function allWorkersListening(child: Child, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!readFileSync(child.logFile, 'utf8').includes('"msg":"workers listening"')) {
    if (Date.now() > deadline) {
      throw new Error(`${child.name}: not every worker listens after ${timeoutMs} ms; see ${child.logFile}`);
    }
    await new Promise((r) => setTimeout(r, 100)); // the log is a file: nothing to await but its next write
  }
}

/** bench/framework-floor.ts's variants (FLOOR): the floor, the same answering as Ballast does, the same on Fastify. */
export type FloorVariant = 'express' | 'express-raw' | 'fastify';

/** The framework floor: a minimal Nest 11 + Express app calling the upstream (bench/framework-floor.ts), or one of its variants. */
export function startFrameworkFloor(
  name: string,
  upstreamOrigin: string,
  nodeArgs: string[] = [],
  variant: FloorVariant = 'express',
  env: Record<string, string> = {},
): Promise<Child> {
  return start(
    name,
    [...nodeArgs, ...TS_NODE, 'bench/framework-floor.ts'],
    { ...env, UPSTREAM: upstreamOrigin, FLOOR: variant },
    '/v1/models',
  );
}

/** Sets the upstream's default fault through its control route (undefined = behave). */
export async function setUpstreamFault(upstream: Child, fault: object | undefined): Promise<void> {
  const response = await request(`${upstream.origin}/__control/default`, {
    method: 'POST',
    body: fault === undefined ? 'null' : JSON.stringify(fault),
  });
  const text = await response.body.text();
  if (response.statusCode !== 200) {
    throw new Error(`upstream refused the fault ${JSON.stringify(fault)}: ${text}`);
  }
}
