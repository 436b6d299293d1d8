import type { IncomingHttpHeaders } from 'node:http';
import { Dispatcher, Pool } from 'undici';
import { OneShotBody } from './one-shot-body';
import { readBody } from './read-body';
import { upstreamError, UpstreamScope } from './upstream-error';

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData['body'];
}

export interface UpstreamRequest {
  method: 'GET' | 'POST';
  /** Below the base URL, e.g. `/chat/completions`. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** The response is read for long (a stream): the body is let go of once sent rather than kept until the end. */
  longLived?: boolean;
  signal: AbortSignal;
}

/**
 * HTTP to one upstream over its own keep-alive undici Pool. No header or body
 * time limits here: Ballast's deadlines and attempt limits own time and abort
 * through the signal. Resolves with a 2xx response (its body unread);
 * rejects with a BallastError for anything else, having read at most
 * `maxErrorBodyBytes` of an error body.
 */
export class UpstreamClient {
  private readonly pool: Pool;
  private readonly pathPrefix: string;
  private readonly search: string;

  constructor(
    baseUrl: string,
    private readonly scope: UpstreamScope,
    private readonly maxErrorBodyBytes: number,
  ) {
    const url = new URL(baseUrl);
    this.pool = new Pool(url.origin, { keepAliveTimeout: 4_000, headersTimeout: 0, bodyTimeout: 0 });
    this.pathPrefix = url.pathname.replace(/\/+$/, '');
    this.search = url.search;
  }

  async send(request: UpstreamRequest): Promise<UpstreamResponse> {
    let response: Dispatcher.ResponseData;
    const oneShot = request.longLived && request.body !== undefined ? new OneShotBody(request.body) : undefined;
    try {
      response = await this.pool.request({
        path: this.pathPrefix + request.path + this.search,
        method: request.method,
        headers: oneShot ? { ...request.headers, 'content-length': String(oneShot.byteLength) } : request.headers,
        // An Iterable body is in undici's documented API (Dispatcher.md, DispatchOptions.body); its types lag.
        body: oneShot ? (oneShot as unknown as Dispatcher.RequestOptions['body']) : request.body,
        signal: request.signal,
      });
    } catch (error) {
      throw upstreamError({ kind: 'network', error, signal: request.signal }, this.scope);
    }
    const { statusCode: status, headers, body } = response;
    if (status >= 200 && status < 300) {
      return { status, headers, body };
    }
    // An error body cut by the connection still has its status to tell.
    const read = await readBody(body, this.maxErrorBodyBytes, headers['content-length']).catch(() => ({ text: '', cut: true }));
    if (request.signal.aborted) {
      throw upstreamError({ kind: 'network', error: request.signal.reason, signal: request.signal }, this.scope);
    }
    throw upstreamError({ kind: 'status', status, headers, body: read }, this.scope);
  }

  /** After the drain: whatever is still open is cut rather than waited for. */
  close(): Promise<void> {
    return this.pool.destroy();
  }
}
