import { BallastError, ERROR_CATALOG } from '@ballast/errors';
import type { Response } from 'express';
import { once } from 'node:events';

export interface StreamPartial {
  chunks: number;
  characters: number;
}

/**
 * The SSE grammar of contract section 4, and nothing else: one event per
 * upstream chunk with `id: <request_id>:<seq>`, `: keep-alive` comments,
 * `data: [DONE]`, and failures as `event: error`. Writes respect
 * backpressure: a slow reader slows the upstream read, not our memory.
 */
export class SseResponse {
  private seq = 0;
  private lastWriteAt = Date.now();
  private keepAlive?: NodeJS.Timeout;
  private ended = false;

  constructor(
    private readonly res: Response,
    private readonly requestId: string,
    private readonly keepAliveMs: number,
  ) {}

  open(headers: Record<string, string>): void {
    this.res.status(200);
    this.res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    this.res.setHeader('Cache-Control', 'no-cache, no-transform');
    this.res.setHeader('Connection', 'keep-alive');
    this.res.setHeader('X-Accel-Buffering', 'no');
    for (const [name, value] of Object.entries(headers)) {
      this.res.setHeader(name, value);
    }
    // No flushHeaders(): the stream opens with its first chunk in hand, so headers and that event leave in one write.
    this.res.socket?.setNoDelay(true);
    this.keepAlive = setInterval(
      () => {
        if (Date.now() - this.lastWriteAt >= this.keepAliveMs) {
          this.write(': keep-alive\n\n');
        }
      },
      Math.max(5, Math.floor(this.keepAliveMs / 2)),
    );
    this.keepAlive.unref();
  }

  get writable(): boolean {
    return !this.ended && !this.res.destroyed && this.res.writable;
  }

  async event(data: unknown): Promise<void> {
    if (!this.write(`id: ${this.requestId}:${this.seq++}\ndata: ${JSON.stringify(data)}\n\n`)) {
      await this.drained();
    }
  }

  done(): void {
    this.write('data: [DONE]\n\n');
    this.end();
  }

  fail(error: BallastError, partial: StreamPartial): void {
    const definition = ERROR_CATALOG[error.code];
    const payload = {
      error: {
        message: error.detail,
        type: definition.openaiType,
        code: error.code,
        retryable: definition.retryable,
        request_id: this.requestId,
      },
      partial,
    };
    this.write(`event: error\nid: ${this.requestId}:${this.seq++}\ndata: ${JSON.stringify(payload)}\n\n`);
    this.end();
  }

  end(): void {
    clearInterval(this.keepAlive);
    if (!this.ended) {
      this.ended = true;
      if (!this.res.destroyed) {
        this.res.end();
      }
    }
  }

  private write(text: string): boolean {
    if (!this.writable) {
      return true;
    }
    this.lastWriteAt = Date.now();
    return this.res.write(text);
  }

  private async drained(): Promise<void> {
    if (!this.writable) {
      return;
    }
    await Promise.race([once(this.res, 'drain'), once(this.res, 'close')]);
  }
}
