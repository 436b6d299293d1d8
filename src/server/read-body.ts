import type { IncomingHttpHeaders } from 'node:http';
import type { Readable, Transform } from 'node:stream';
import { BodyError } from './body-error';
import { decoderFor } from './decode-body';

function tooLarge(limit: number): BodyError {
  return new BodyError('entity.too.large', 'request entity too large', { limit });
}

function declaredLength(header: string | undefined): number | undefined {
  const length = header === undefined ? NaN : Number(header);
  return Number.isNaN(length) ? undefined : length;
}

/**
 * A request body, whole, read as body-parser (raw-body) read it on Express: decoded per its Content-Encoding, at most
 * `limit` bytes once decoded (and as sent), checked against its Content-Length. A body declared larger than the limit
 * is refused before any of it is read, and one that grows past it the moment it does: a gzip bomb is inflated no
 * further, and the rest of the body is dropped (the answer closes the connection when more is to come, ProblemFilter).
 *
 * Written here because Fastify's own body reader is not exported and decodes nothing, and when a body passes its
 * limit it only stops listening: a decoding stream handed to it (a preParsing hook) would go on inflating the rest.
 */
export async function readBody(payload: Readable, headers: IncomingHttpHeaders, limit: number): Promise<Buffer> {
  const decoder = decoderFor(headers['content-encoding']);
  const declared = declaredLength(headers['content-length']);
  if (!decoder && declared !== undefined && declared > limit) {
    throw tooLarge(limit);
  }
  if (payload.destroyed) {
    throw new BodyError('request.aborted', 'request aborted');
  }
  return collect(payload, decoder, declared, limit);
}

function collect(source: Readable, decoder: Transform | undefined, declared: number | undefined, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let sent = 0;
    let decoded = 0;
    let sourceEnded = false;
    let settled = false;

    const settle = (error?: BodyError): void => {
      if (settled) {
        return;
      }
      settled = true;
      source.off('data', onSent).off('end', onSourceEnd).off('error', onSourceError).off('close', onSourceClose);
      if (decoder) {
        source.unpipe(decoder);
      }
      if (error) {
        decoder?.destroy();
        // The rest is dropped as it arrives: a request left paused mid-body would hold its kept-alive connection.
        source.resume();
        reject(error);
        return;
      }
      resolve(Buffer.concat(chunks, decoded));
    };
    const keep = (chunk: Buffer): void => {
      decoded += chunk.length;
      if (decoded > limit) {
        settle(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    function onSent(chunk: Buffer): void {
      sent += chunk.length;
      if (sent > limit) {
        settle(tooLarge(limit));
      } else if (!decoder) {
        keep(chunk);
      }
    }
    function onSourceEnd(): void {
      sourceEnded = true;
      if (declared !== undefined && sent !== declared) {
        settle(new BodyError('request.size.invalid', 'request size did not match content length'));
      } else if (!decoder) {
        settle();
      }
    }
    function onSourceError(cause: unknown): void {
      settle(new BodyError('request.aborted', 'request aborted', { cause }));
    }
    function onSourceClose(): void {
      if (!sourceEnded) {
        settle(new BodyError('request.aborted', 'request aborted'));
      }
    }

    source.on('data', onSent).on('end', onSourceEnd).on('error', onSourceError).on('close', onSourceClose);
    if (decoder) {
      decoder.on('data', keep);
      decoder.on('end', () => settle());
      // `on`, not `once`: an 'error' after the first would otherwise go unheard and throw; settle keeps the first.
      decoder.on('error', (cause) => settle(new BodyError('encoding.invalid', 'invalid content encoding', { cause })));
      source.pipe(decoder);
    }
  });
}
