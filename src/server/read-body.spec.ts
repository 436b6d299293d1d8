import type { IncomingHttpHeaders } from 'node:http';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { readBody } from './read-body';

const LIMIT = 1024;

/** What readBody failed with (its test fails if it succeeds). */
function failure(promise: Promise<unknown>): Promise<{ type?: string; limit?: number }> {
  return promise.then(
    () => {
      throw new Error('expected readBody to fail');
    },
    (error: { type?: string; limit?: number }) => error,
  );
}

describe('readBody', () => {
  it('reads a body as it is sent', async () => {
    const source = new PassThrough();
    const read = readBody(source, { 'content-length': '7' }, LIMIT);
    source.end('{"a":1}');
    await expect(read).resolves.toEqual(Buffer.from('{"a":1}'));
  });

  it('inflates a gzip body', async () => {
    const source = new PassThrough();
    const bytes = gzipSync('{"a":1}');
    const read = readBody(source, { 'content-encoding': 'gzip', 'content-length': String(bytes.length) }, LIMIT);
    source.end(bytes);
    await expect(read).resolves.toEqual(Buffer.from('{"a":1}'));
  });

  it('refuses a body declared larger than the limit before reading any of it', async () => {
    const source = new PassThrough();
    await expect(failure(readBody(source, { 'content-length': String(LIMIT + 1) }, LIMIT))).resolves.toMatchObject({
      type: 'entity.too.large',
      limit: LIMIT,
    });
    expect(source.listenerCount('data')).toBe(0);
  });

  it('refuses a body the moment it grows past the limit, with no declared length', async () => {
    const source = new PassThrough();
    const read = failure(readBody(source, { 'transfer-encoding': 'chunked' }, LIMIT));
    source.write(Buffer.alloc(LIMIT));
    source.write(Buffer.alloc(1));
    await expect(read).resolves.toMatchObject({ type: 'entity.too.large', limit: LIMIT });
    // What comes after is dropped, not kept.
    expect(source.listenerCount('data')).toBe(0);
    expect(source.readableFlowing).toBe(true);
  });

  it('refuses a gzip bomb once it inflates past the limit, though the body as sent is small', async () => {
    const source = new PassThrough();
    const bomb = gzipSync(Buffer.alloc(1024 * 1024));
    const read = failure(readBody(source, { 'content-encoding': 'gzip' }, LIMIT));
    source.write(bomb);
    await expect(read).resolves.toMatchObject({ type: 'entity.too.large', limit: LIMIT });
    expect(bomb.length).toBeLessThan(LIMIT * 2);
  });

  it.each<[string, IncomingHttpHeaders, Buffer]>([
    ['not gzip', { 'content-encoding': 'gzip' }, Buffer.from('not gzip')],
    ['a gzip body cut short', { 'content-encoding': 'gzip' }, gzipSync('{"a":1}').subarray(0, 12)],
    ['not deflate', { 'content-encoding': 'deflate' }, Buffer.from('not deflate')],
    ['not brotli', { 'content-encoding': 'br' }, Buffer.from('not brotli')],
  ])('refuses %s as encoding.invalid', async (_name, headers, bytes) => {
    const source = new PassThrough();
    const read = failure(readBody(source, headers, LIMIT));
    source.end(bytes);
    await expect(read).resolves.toMatchObject({ type: 'encoding.invalid' });
  });

  it('refuses an unknown Content-Encoding before reading', async () => {
    await expect(failure(readBody(new PassThrough(), { 'content-encoding': 'compress' }, LIMIT))).resolves.toMatchObject({
      type: 'encoding.unsupported',
    });
  });

  it('refuses a body shorter than its Content-Length', async () => {
    const source = new PassThrough();
    const read = failure(readBody(source, { 'content-length': '10' }, LIMIT));
    source.end('{}');
    await expect(read).resolves.toMatchObject({ type: 'request.size.invalid' });
  });

  it.each([
    ['fails', (source: PassThrough) => source.destroy(new Error('aborted'))],
    ['closes before its end', (source: PassThrough) => source.destroy()],
  ])('refuses a body whose stream %s as request.aborted', async (_name, abort) => {
    const source = new PassThrough();
    const read = failure(readBody(source, { 'content-length': '10' }, LIMIT));
    source.write('{"a"');
    abort(source);
    await expect(read).resolves.toMatchObject({ type: 'request.aborted' });
  });

  it('reads an empty body as no bytes', async () => {
    const source = new PassThrough();
    const read = readBody(source, { 'content-length': '0' }, LIMIT);
    source.end();
    await expect(read).resolves.toEqual(Buffer.alloc(0));
  });
});
