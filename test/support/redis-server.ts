import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

export interface RedisServer {
  port: number;
  url: string;
  /** Stops the server and waits for it to exit; safe to call twice. */
  stop(): Promise<void>;
  /** SIGSTOP: connections stay open and nothing answers, as with a hung Redis. */
  pause(): void;
  resume(): void;
}

/** The redis-server binary on PATH (or REDIS_SERVER_BIN), if any. */
export function findRedisServer(): string | undefined {
  const candidates = [process.env.REDIS_SERVER_BIN, ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'redis-server'))];
  for (const candidate of candidates) {
    if (!candidate) {
      continue;
    }
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, 'close');
  return port;
}

function launch(binary: string, port: number): Promise<ChildProcess> {
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        child.off('exit', onExit);
        resolve(child);
      }
    };
    const onExit = (code: number | null) => reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`));
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', onExit);
    child.once('error', reject);
  });
}

/**
 * Starts a throw-away Redis on a free loopback port (no persistence).
 * Returns undefined, after a visible warning, when redis-server is not
 * installed (`apt-get install redis-server`; .ci/run does it).
 */
export async function startRedisServer(): Promise<RedisServer | undefined> {
  const binary = findRedisServer();
  if (!binary) {
    console.warn('redis-server not found on PATH: skipping the tests that need a real Redis (apt-get install redis-server)');
    return undefined;
  }
  let lastError: unknown;
  // A free port can be taken between probing and binding; try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      const child = await launch(binary, port);
      const exited = once(child, 'exit');
      return {
        port,
        url: `redis://127.0.0.1:${port}`,
        pause: () => child.kill('SIGSTOP'),
        resume: () => child.kill('SIGCONT'),
        async stop() {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGKILL');
            await exited;
          }
        },
      };
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
