import { getEventListeners } from 'node:events';
import { linkAbort } from './link-abort';

describe('linkAbort', () => {
  const sut = linkAbort;

  it('aborts the child with the parent reason when the parent aborts', () => {
    const parent = new AbortController();
    const child = new AbortController();
    sut(parent.signal, child);
    const reason = new Error('client gone');

    parent.abort(reason);

    expect(child.signal.reason).toBe(reason);
  });

  it('aborts the child at once under a parent that already is', () => {
    const reason = new Error('deadline');
    const child = new AbortController();

    sut(AbortSignal.abort(reason), child);

    expect(child.signal.reason).toBe(reason);
  });

  it('lets the child abort on its own without touching the parent', () => {
    const parent = new AbortController();
    const child = new AbortController();
    sut(parent.signal, child);
    const reason = new Error('hedge lost');

    child.abort(reason);

    expect(parent.signal.aborted).toBe(false);
    expect(child.signal.reason).toBe(reason);
  });

  it('once unlinked, leaves no listener on the parent and no longer follows it', () => {
    const parent = new AbortController();
    const child = new AbortController();
    const unlink = sut(parent.signal, child);

    unlink();
    parent.abort(new Error('later'));

    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    expect(child.signal.aborted).toBe(false);
  });
});
