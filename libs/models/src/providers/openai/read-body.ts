import type { Readable } from 'node:stream';

/** How much of a body cut at its limit is decoded. */
const CUT_TEXT_BYTES = 16 * 1024;

export interface ReadBody {
  /** The body as UTF-8 text; when cut, at most its first 16 KB. */
  text: string;
  /** True when the body was longer than `maxBytes`: the rest was never read and the connection was closed. */
  cut: boolean;
}

/**
 * Reads a response body up to `maxBytes`. Past that, reading stops and the
 * body is destroyed, which makes undici close the connection: a 100 MB body
 * costs `maxBytes` of memory, not 100 MB. (undici's own `text()`/`json()`
 * read everything, and its `maxResponseSize` applies to every response of a
 * dispatcher alike, while an error body, an answer and a stream need
 * different limits.)
 */
export function readBody(body: Readable, maxBytes: number, declaredLength?: string | string[]): Promise<ReadBody> {
  if (typeof declaredLength === 'string' && Number(declaredLength) > maxBytes) {
    discard(body);
    return Promise.resolve({ text: '', cut: true });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = (cut: boolean) => {
      body.off('data', onData).off('end', onEnd).off('error', onError);
      const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length);
      // What was cut is refused: only its start is ever looked at (wordings, the log excerpt).
      resolve({ text: (cut ? all.subarray(0, CUT_TEXT_BYTES) : all).toString('utf8'), cut });
    };
    const onData = (chunk: Buffer) => {
      if (length + chunk.length > maxBytes) {
        finish(true);
        discard(body);
        return;
      }
      chunks.push(chunk);
      length += chunk.length;
    };
    const onEnd = () => finish(false);
    const onError = (error: Error) => {
      body.off('data', onData).off('end', onEnd).off('error', onError);
      reject(error);
    };
    body.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/** Stops reading: undici aborts the request and closes its connection, and reports that as an error no one needs to hear. */
export function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}
