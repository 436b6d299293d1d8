import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { SseResponse } from './sse-response';

/** A real Writable that takes one byte at a time and drains on the next turn: every write waits. */
function slowReader(): Writable {
  return asResponse(
    new Writable({
      highWaterMark: 1,
      write(_chunk, _encoding, callback) {
        setImmediate(callback);
      },
    }),
  );
}

/** What SseResponse needs of a response beyond a Writable: the first write flushes the headers. */
function asResponse(writable: Writable): Writable {
  return Object.assign(writable, { flushHeaders: () => undefined });
}

describe('SseResponse backpressure', () => {
  it('leaves no listeners behind after 50 slow readers wait 30 times each, and raises no MaxListenersExceededWarning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const readers = Array.from({ length: 50 }, slowReader);
      const baseline = readers.map((res) => ({ close: res.listenerCount('close'), error: res.listenerCount('error') }));
      await Promise.all(
        readers.map(async (res) => {
          const sut = new SseResponse(res as unknown as ServerResponse, 'rid', 15_000);
          for (let i = 0; i < 30; i++) {
            await sut.event({ choices: [{ delta: { content: `chunk ${i}` } }] });
          }
        }),
      );
      await tick(); // process warnings are emitted on a later turn
      readers.forEach((res, i) => {
        expect(res.listenerCount('close')).toBe(baseline[i].close);
        expect(res.listenerCount('error')).toBe(baseline[i].error);
        expect(res.listenerCount('drain')).toBe(0);
      });
      expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('stops waiting when the reader goes away mid-wait', async () => {
    const res = asResponse(new Writable({ highWaterMark: 1, write: () => undefined })); // never drains
    const sut = new SseResponse(res as unknown as ServerResponse, 'rid', 15_000);
    const waiting = sut.event({ n: 1 });
    res.destroy();
    await expect(waiting).resolves.toBeUndefined();
    expect(sut.writable).toBe(false);
  });
});
