import type { IncomingHttpHeaders } from 'node:http';
import { Agent, Dispatcher } from 'undici';

/** The `fetch` the openai SDK calls, over a keep-alive undici Agent, and how to let its connections go. */
export interface UndiciFetch {
  fetch: typeof fetch;
  close(): Promise<void>;
}

/**
 * The SDK's response headers: the read side of `Headers` over undici's
 * plain object (names already lower-case), without building a WHATWG
 * Headers and validating every name and value again.
 */
class ResponseHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }

  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }

  forEach(callback: (value: string, name: string, headers: ResponseHeaders) => void): void {
    for (const [name, value] of this.entries()) {
      callback(value, name, this);
    }
  }

  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw)) {
      yield [name, this.get(name)!];
    }
  }

  keys(): IterableIterator<string> {
    return Object.keys(this.raw)[Symbol.iterator]();
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) {
      yield value;
    }
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

type Body = Dispatcher.ResponseData['body'];

/**
 * What the SDK reads of a Response: status, headers, `json()`/`text()`, and
 * `body` as an async iterable of bytes (the SDK iterates a stream's body
 * directly when it has Symbol.asyncIterator). No WHATWG streams, no
 * Request/Response cloning: that machinery was most of the per-call cost.
 */
class LeanResponse {
  readonly ok: boolean;
  readonly statusText = '';
  readonly redirected = false;
  readonly type = 'basic';
  readonly headers: ResponseHeaders;

  constructor(
    readonly url: string,
    readonly status: number,
    headers: IncomingHttpHeaders,
    readonly body: Body,
  ) {
    this.ok = status >= 200 && status < 300;
    this.headers = new ResponseHeaders(headers);
  }

  get bodyUsed(): boolean {
    return this.body.bodyUsed;
  }

  json(): Promise<unknown> {
    return this.body.json();
  }

  text(): Promise<string> {
    return this.body.text();
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.body.arrayBuffer();
  }

  clone(): never {
    throw new Error('LeanResponse cannot be cloned');
  }
}

function headerList(headers: RequestInit['headers']): string[] {
  const list: string[] = [];
  if (!headers) {
    return list;
  }
  if (Array.isArray(headers)) {
    for (const [name, value] of headers) {
      list.push(name, value);
    }
  } else if (typeof (headers as Headers).forEach === 'function') {
    (headers as Headers).forEach((value, name) => list.push(name, value));
  } else {
    for (const [name, value] of Object.entries(headers as Record<string, string>)) {
      list.push(name, value);
    }
  }
  return list;
}

function urlOf(input: string | URL | Request): string {
  return typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
}

/**
 * A fetch for the SDK over its own undici Agent: connections kept alive and
 * reused, no header or body time limits (Ballast's deadlines and attempt
 * timeouts own time; they abort through the signal). Bodies other than
 * text and bytes (the SDK's uploads, unused here) go to the global fetch.
 */
export function createUndiciFetch(options: Agent.Options = {}): UndiciFetch {
  const agent = new Agent({ keepAliveTimeout: 4_000, headersTimeout: 0, bodyTimeout: 0, ...options });
  const leanFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      return fetch(input, init);
    }
    const url = new URL(urlOf(input));
    const response = await agent.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: (init.method ?? 'GET').toUpperCase() as Dispatcher.HttpMethod,
      headers: headerList(init.headers),
      body: body ?? undefined,
      signal: init.signal ?? undefined,
    });
    return new LeanResponse(url.href, response.statusCode, response.headers, response.body) as unknown as Response;
  };
  return {
    fetch: leanFetch as typeof fetch,
    // Called after the drain: whatever is still open is cut rather than waited for.
    close: () => agent.destroy(),
  };
}
