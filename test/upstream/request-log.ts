/** Records the requests the test upstream received, and lets a test wait for chat requests to arrive. */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { killedByServer } from './http-io';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or undefined (no body, not JSON, or not read yet). */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** performance.now() when the request line and headers arrived. */
  receivedAt: number;
  /** Resolves with performance.now() when the response ended or the connection closed, whichever first. */
  closed: Promise<number>;
  /** The same moment as `closed`, once it happened. */
  closedAt: number | undefined;
  /** True when the client went away before the response finished. */
  clientAborted: boolean;
}

export type RecordedRequestJson = Omit<RecordedRequest, 'closed'>;

export class RequestLog {
  readonly requests: RecordedRequest[] = [];
  private chatRequests = 0;
  private waiters: { n: number; resolve: () => void }[] = [];
  /** Set while the server shuts down, so connections it destroys do not count as client aborts. */
  shuttingDown = false;

  constructor(private readonly enabled: boolean) {}

  record(req: IncomingMessage, res: ServerResponse, path: string): RecordedRequest | undefined {
    if (!this.enabled) {
      return undefined;
    }
    let resolveClosed!: (at: number) => void;
    const entry: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      body: undefined,
      receivedAt: performance.now(),
      closed: new Promise<number>((resolve) => (resolveClosed = resolve)),
      closedAt: undefined,
      clientAborted: false,
    };
    res.once('close', () => {
      entry.closedAt = performance.now();
      entry.clientAborted = !res.writableFinished && !killedByServer(res) && !this.shuttingDown;
      resolveClosed(entry.closedAt);
    });
    this.requests.push(entry);
    return entry;
  }

  /** Counts a chat request whose body has been read; wakes the tests waiting for it. */
  chatArrived(): void {
    this.chatRequests++;
    if (this.waiters.length > 0) {
      const ready = this.waiters.filter((w) => w.n <= this.chatRequests);
      this.waiters = this.waiters.filter((w) => w.n > this.chatRequests);
      ready.forEach((w) => w.resolve());
    }
  }

  waitForChat(n: number): Promise<void> {
    if (this.chatRequests >= n) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  /** Forgets recorded requests and restarts the chat request count (pending waiters keep waiting). */
  clear(): void {
    this.requests.length = 0;
    this.chatRequests = 0;
  }

  toJson(): RecordedRequestJson[] {
    return this.requests.map(({ closed: _closed, ...rest }) => rest);
  }
}
