import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const MAIN = join(__dirname, '..', '..', '..', 'dist', 'src', 'main.js');

export interface HostileChild {
  child: ChildProcess;
  port: number;
  /** Bytes the child has written to stdout (its log) so far. */
  logBytes(): number;
  logText(): string;
  rssMb(): number;
  openFds(): number;
  exited(): boolean;
  stop(): Promise<void>;
}

/** The BUILT server (`npm test` builds first) as a child process with a known heap limit. */
export async function startHostileChild(env: Record<string, string>, maxOldSpaceMb: number): Promise<HostileChild> {
  const child = spawn(process.execPath, [`--max-old-space-size=${maxOldSpaceMb}`, MAIN], {
    env: { PATH: process.env.PATH, NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', MODEL_PROBE_INTERVAL_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let bytes = 0;
  const chunks: string[] = [];
  const stderr: string[] = [];
  let exitedAlready = false;
  const exit = once(child, 'exit').then(() => {
    exitedAlready = true;
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      bytes += Buffer.byteLength(chunk);
      chunks.push(chunk);
      const match = /"port":(\d+)[^\n]*"msg":"listening"/.exec(chunk);
      if (match) {
        resolve(Number(match[1]));
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
    void exit.then(() => reject(new Error(`ballast exited before listening: ${stderr.join('')}`)));
  });
  const status = () => readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return {
    child,
    port,
    logBytes: () => bytes,
    logText: () => chunks.join(''),
    rssMb: () => Number(/VmRSS:\s+(\d+) kB/.exec(status())?.[1] ?? NaN) / 1024,
    openFds: () => readdirSync(`/proc/${child.pid}/fd`).length,
    exited: () => exitedAlready || child.exitCode !== null || child.signalCode !== null,
    async stop() {
      if (!exitedAlready) {
        child.kill('SIGKILL');
        await exit;
      }
    },
  };
}
