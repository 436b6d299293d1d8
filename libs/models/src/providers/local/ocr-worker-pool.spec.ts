import { existsSync } from 'node:fs';
import path from 'node:path';
import { BallastError } from '@ballast/errors';
// eslint-disable-next-line no-restricted-imports -- the shared image fixtures live in test/; specs may use them
import { OCR_TEXT, renderTextImage } from '../../../../../test/fixtures/generate-fixtures';
import { OcrWorkerPool } from './ocr-worker-pool';

const normalise = (text: string) => text.replace(/\s+/g, ' ').trim().toUpperCase();

describe('OcrWorkerPool', () => {
  let invoice: Buffer;
  const onShed = jest.fn();
  const pool = new OcrWorkerPool({ size: 1, queueSize: 2, onShed });

  beforeAll(async () => {
    invoice = await renderTextImage(OCR_TEXT);
    await pool.start();
  });

  afterAll(() => pool.close());

  it('starts warm, offline, writing nothing to the working directory', async () => {
    await pool.start();
    expect(pool.ready).toBe(true);
    expect(pool.stats).toEqual({ size: 1, busy: 0, queued: 0, shed: 0 });
    expect(existsSync(path.join(process.cwd(), 'eng.traineddata'))).toBe(false);
  });

  it('reads the invoice text, digits exact', async () => {
    const result = await pool.recognize(invoice);
    expect(normalise(result.text)).toBe(OCR_TEXT);
    expect(result.confidence).toBeGreaterThan(0.5);
    expect(result.confidence).toBeLessThanOrEqual(1);
  });

  it('sheds with MODEL_OVERLOADED once queueSize jobs wait, with a 1..5 s Retry-After', async () => {
    const accepted = [pool.recognize(invoice), pool.recognize(invoice), pool.recognize(invoice)];
    expect(pool.stats).toMatchObject({ busy: 1, queued: 2 });
    const shed = (await pool.recognize(invoice).catch((err: unknown) => err)) as BallastError;
    expect(shed).toBeInstanceOf(BallastError);
    expect(shed.code).toBe('MODEL_OVERLOADED');
    // Our own queue, not the model failing: the breaker must never count it.
    expect(shed.shed).toBe(true);
    expect(onShed).toHaveBeenCalledTimes(1);
    expect(shed.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(shed.retryAfterSeconds).toBeLessThanOrEqual(5);
    expect(pool.stats.shed).toBe(1);
    for (const result of await Promise.all(accepted)) {
      expect(normalise(result.text)).toBe(OCR_TEXT);
    }
    expect(pool.stats).toMatchObject({ busy: 0, queued: 0 });
  });

  it('drops a job aborted while queued, and releases a running one at once', async () => {
    const running = new AbortController();
    const queued = new AbortController();
    const first = pool.recognize(invoice, running.signal);
    const second = pool.recognize(invoice, queued.signal);
    expect(pool.stats).toMatchObject({ busy: 1, queued: 1 });
    queued.abort(new Error('client left'));
    await expect(second).rejects.toThrow('client left');
    expect(pool.stats.queued).toBe(0);
    running.abort(new Error('deadline'));
    await expect(first).rejects.toThrow('deadline');
    await expect(pool.recognize(invoice, AbortSignal.abort(new Error('already gone')))).rejects.toThrow('already gone');
    expect(normalise((await pool.recognize(invoice)).text)).toBe(OCR_TEXT);
  });

  it('starts itself on the first recognition when nobody called start()', async () => {
    const lazy = new OcrWorkerPool({ size: 1, queueSize: 1 });
    try {
      expect(lazy.ready).toBe(false);
      expect(normalise((await lazy.recognize(invoice)).text)).toBe(OCR_TEXT);
      expect(lazy.ready).toBe(true);
    } finally {
      await lazy.close();
    }
  });

  it('on close, rejects running and waiting jobs with SHUTTING_DOWN, and refuses new ones', async () => {
    const closing = new OcrWorkerPool({ size: 1, queueSize: 4 });
    await closing.start();
    const jobs = [closing.recognize(invoice), closing.recognize(invoice), closing.recognize(invoice)].map((job) =>
      job.catch((err: unknown) => err),
    );
    expect(closing.stats).toMatchObject({ busy: 1, queued: 2 });
    await closing.close();
    for (const outcome of await Promise.all(jobs)) {
      expect(outcome).toMatchObject({ code: 'SHUTTING_DOWN' });
    }
    await expect(closing.recognize(invoice)).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    await expect(closing.start()).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    expect(closing.ready).toBe(false);
  });
});
