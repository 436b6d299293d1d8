import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

export interface BallastProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves with the listening port, or rejects when the process exits first. */
  listening: Promise<number>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** Runs the built server (`npm test` builds it first) as a real child process. */
export function spawnBallast(env: Record<string, string | undefined>): BallastProcess {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', MODEL_PROBE_INTERVAL_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const listening = new Promise<number>((resolve, reject) => {
    let pending = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        stdout.push(line);
        try {
          const parsed = JSON.parse(line) as { msg?: string; port?: number };
          if (parsed.msg === 'listening' && parsed.port) {
            resolve(parsed.port);
          }
        } catch {
          // not a JSON line
        }
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(...chunk.split('\n').filter(Boolean)));
    void exited.then(({ code }) => reject(new Error(`ballast exited with ${code} before listening: ${stderr.join('\n')}`)));
  });
  listening.catch(() => undefined);
  return {
    child,
    stdout,
    stderr,
    listening,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** A pod gets traffic (and later SIGTERM) once ready: start-up work such as OCR warm-up has finished. */
export async function waitUntilReady(port: number, limitMs = 20_000): Promise<void> {
  const since = Date.now();
  while ((await fetch(`http://127.0.0.1:${port}/health/ready`)).status !== 200) {
    if (Date.now() - since > limitMs) {
      throw new Error(`not ready after ${limitMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25)); // readiness has no event to await from outside the process
  }
}
