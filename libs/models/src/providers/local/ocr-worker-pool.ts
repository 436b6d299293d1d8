import path from 'node:path';
import sharp from 'sharp';
import { createWorker, OEM, Worker } from 'tesseract.js';
import { BallastError } from '@ballast/errors';

export interface OcrWorkerPoolOptions {
  /** Workers (each a thread with its own model, ~160 MB). */
  size: number;
  /** Jobs that may wait for a free worker; more are shed with MODEL_OVERLOADED. */
  queueSize: number;
  /** Called for every job shed (ballast_ocr_queue_shed_total). */
  onShed?: () => void;
}

export interface OcrWorkerPoolStats {
  size: number;
  busy: number;
  queued: number;
  shed: number;
}

interface Job {
  image: Buffer;
  signal?: AbortSignal;
  resolve: (result: { text: string; confidence: number }) => void;
  reject: (reason: unknown) => void;
  settled: boolean;
  onAbort?: () => void;
}

interface Slot {
  worker: Worker;
  job?: Job;
}

/** The traineddata shipped in node_modules: nothing is fetched, nothing is cached to disk. */
const LANG_PATH = path.join(path.dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');

/** Two drawn letters (no fonts needed), enough to run the LSTM once per worker. */
const WARM_UP_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60"><rect width="120" height="60" fill="#fff"/>' +
  '<path d="M20 10 V50 H50 M70 10 V50" stroke="#000" stroke-width="6" fill="none"/></svg>';

function shuttingDown(): BallastError {
  return new BallastError('SHUTTING_DOWN', { detail: 'The embedded OCR model is shutting down. Retry; another replica will answer.' });
}

/**
 * A fixed set of tesseract.js workers (worker threads, so recognition never
 * blocks the event loop) with a bounded wait queue in front.
 */
export class OcrWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private starting?: Promise<void>;
  private closing?: Promise<void>;
  private shedCount = 0;
  /** Moving average of one recognition, for an honest Retry-After. */
  private meanSeconds = 0.5;

  constructor(private readonly options: OcrWorkerPoolOptions) {
    if (!Number.isSafeInteger(options.size) || options.size < 1 || !Number.isSafeInteger(options.queueSize) || options.queueSize < 0) {
      throw new RangeError(`OcrWorkerPool: size must be >= 1 and queueSize >= 0, got ${options.size} and ${options.queueSize}`);
    }
  }

  get ready(): boolean {
    return !this.closing && this.slots.length === this.options.size;
  }

  get stats(): OcrWorkerPoolStats {
    const busy = this.slots.filter((slot) => slot.job).length;
    return { size: this.options.size, busy, queued: this.queue.length, shed: this.shedCount };
  }

  /** Creates and warms every worker; idempotent, and retried by the next call after a failure. */
  start(): Promise<void> {
    if (this.closing) {
      return Promise.reject(shuttingDown());
    }
    this.starting ??= this.startWorkers().catch((err: unknown) => {
      this.starting = undefined;
      this.rejectQueued(err);
      throw err;
    });
    return this.starting;
  }

  recognize(image: Buffer, signal?: AbortSignal): Promise<{ text: string; confidence: number }> {
    if (this.closing) {
      return Promise.reject(shuttingDown());
    }
    if (signal?.aborted) {
      return Promise.reject(signal.reason);
    }
    const free = this.slots.some((slot) => !slot.job);
    if (!free && this.queue.length >= this.options.queueSize) {
      this.shedCount++;
      this.options.onShed?.();
      return Promise.reject(this.overloaded());
    }
    const result = new Promise<{ text: string; confidence: number }>((resolve, reject) => {
      const job: Job = { image, signal, resolve, reject, settled: false };
      if (signal) {
        job.onAbort = () => this.abort(job);
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.queue.push(job);
    });
    this.dispatch();
    if (!this.starting) {
      this.start().catch(() => undefined);
    }
    return result;
  }

  /** Terminates the workers; queued and running jobs reject with SHUTTING_DOWN. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.rejectQueued(shuttingDown());
      for (const slot of this.slots) {
        if (slot.job) {
          this.settle(slot.job, undefined, shuttingDown());
        }
      }
      await this.starting?.catch(() => undefined);
      const slots = this.slots.splice(0);
      await Promise.allSettled(slots.map((slot) => slot.worker.terminate()));
    })();
    return this.closing;
  }

  private async startWorkers(): Promise<void> {
    const warmUp = await sharp(Buffer.from(WARM_UP_SVG)).png().toBuffer();
    const created = await Promise.allSettled(
      Array.from({ length: this.options.size }, async () => {
        const worker = await createWorker('eng', OEM.LSTM_ONLY, { langPath: LANG_PATH, gzip: true, cacheMethod: 'none' });
        // Normalised images carry no resolution (metadata is stripped); without this tesseract warns on every image.
        await worker.setParameters({ user_defined_dpi: '300' });
        await worker.recognize(warmUp).catch(async (err: unknown) => {
          await worker.terminate();
          throw err;
        });
        return worker;
      }),
    );
    const workers = created.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const failure = created.find((outcome) => outcome.status === 'rejected');
    if (failure || this.closing) {
      await Promise.allSettled(workers.map((worker) => worker.terminate()));
      throw this.closing
        ? shuttingDown()
        : new BallastError('INTERNAL_ERROR', { detail: 'The embedded OCR model could not be loaded.', cause: failure?.reason });
    }
    this.slots.push(...workers.map((worker) => ({ worker })));
    this.dispatch();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      const job = slot.job ? undefined : this.queue.shift();
      if (job) {
        this.run(slot, job);
      }
    }
  }

  private run(slot: Slot, job: Job): void {
    slot.job = job;
    const started = performance.now();
    slot.worker
      .recognize(job.image)
      .then(
        ({ data }) => {
          this.meanSeconds = 0.8 * this.meanSeconds + 0.2 * ((performance.now() - started) / 1000);
          this.settle(job, { text: data.text.trim(), confidence: Math.min(1, Math.max(0, data.confidence / 100)) });
        },
        (err: unknown) => {
          const failed = new BallastError('INTERNAL_ERROR', { detail: 'The embedded OCR model failed to read the image.', cause: err });
          this.settle(job, undefined, this.closing ? shuttingDown() : failed);
        },
      )
      .finally(() => {
        slot.job = undefined;
        if (!this.closing) {
          this.dispatch();
        }
      });
  }

  /**
   * Queued: the job leaves the queue. Running: tesseract has no cheap way to
   * stop a recognition (only terminating the worker and reloading the model),
   * so the caller is released now and the result is discarded when it comes.
   */
  private abort(job: Job): void {
    const index = this.queue.indexOf(job);
    if (index >= 0) {
      this.queue.splice(index, 1);
    }
    this.settle(job, undefined, job.signal?.reason);
  }

  private settle(job: Job, result?: { text: string; confidence: number }, error?: unknown): void {
    if (job.settled) {
      return;
    }
    job.settled = true;
    if (job.onAbort) {
      job.signal?.removeEventListener('abort', job.onAbort);
    }
    if (result) {
      job.resolve(result);
    } else {
      job.reject(error);
    }
  }

  private rejectQueued(reason: unknown): void {
    for (const job of this.queue.splice(0)) {
      this.settle(job, undefined, reason);
    }
  }

  private overloaded(): BallastError {
    const waiting = this.queue.length + this.slots.length;
    const seconds = Math.min(5, Math.max(1, Math.ceil((waiting / this.options.size) * this.meanSeconds)));
    return new BallastError('MODEL_OVERLOADED', {
      detail: 'The embedded OCR model is at capacity. Try again after Retry-After seconds.',
      retryAfterSeconds: seconds,
      shed: true,
    });
  }
}
