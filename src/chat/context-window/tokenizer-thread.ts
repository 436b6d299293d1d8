import { Injectable } from '@nestjs/common';
import { Worker } from 'node:worker_threads';

interface Running {
  worker: Worker;
  pending: Map<number, { resolve: (counts: number[]) => void; reject: (error: Error) => void }>;
}

/**
 * gpt-tokenizer in a worker thread of its own: its o200k tables (~14 MB,
 * 200k strings) live in that thread's heap, so this process's collector
 * never marks them, and a long prompt is counted off the event loop. The
 * worker's code is a string (`eval`) so that it runs the same from `dist/`
 * and from the TypeScript sources under test; it requires the package by
 * the path resolved here. A worker that dies fails what it was counting
 * and the next call starts another.
 */
@Injectable()
export class TokenizerThread {
  private running?: Running;
  private nextId = 0;

  /** Starts the thread (and loads the tables there) ahead of the first count. */
  start(): void {
    this.running ??= this.spawn();
  }

  /** The tokens of each text, in order. */
  count(texts: string[]): Promise<number[]> {
    const running = (this.running ??= this.spawn());
    const id = this.nextId++;
    return new Promise<number[]>((resolve, reject) => {
      running.pending.set(id, { resolve, reject });
      running.worker.postMessage({ id, texts });
    });
  }

  async close(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    await running?.worker.terminate();
  }

  private spawn(): Running {
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const { countTokens } = require(${JSON.stringify(require.resolve('gpt-tokenizer'))});
       parentPort.on('message', ({ id, texts }) => parentPort.postMessage({ id, counts: texts.map((text) => countTokens(text)) }));`,
      { eval: true },
    );
    const running: Running = { worker, pending: new Map() };
    // Never what keeps the process alive: shutdown does not wait for it.
    worker.unref();
    worker.on('message', ({ id, counts }: { id: number; counts: number[] }) => {
      running.pending.get(id)?.resolve(counts);
      running.pending.delete(id);
    });
    const fail = (error: Error) => {
      if (this.running === running) {
        this.running = undefined;
      }
      for (const { reject } of running.pending.values()) {
        reject(error);
      }
      running.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the tokenizer thread exited (code ${code})`)));
    return running;
  }
}
