import type { IncomingHttpHeaders } from 'node:http';

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Whole seconds from a delay in seconds, or undefined when it is negative or not a number. */
function seconds(raw: number): number | undefined {
  return Number.isFinite(raw) && raw >= 0 ? Math.ceil(raw) : undefined;
}

/** The delay an upstream asked for (`retry-after-ms`, or `Retry-After` in seconds or as an HTTP date), unclamped. */
function requestedSeconds(headers: IncomingHttpHeaders, now: number): number | undefined {
  const ms = first(headers['retry-after-ms'])?.trim();
  if (ms) {
    const fromMs = seconds(Number(ms) / 1000);
    if (fromMs !== undefined) {
      return fromMs;
    }
  }
  const value = first(headers['retry-after'])?.trim();
  if (!value) {
    return undefined;
  }
  // Delay-seconds is digits only (RFC 9110 10.2.3); anything else numeric-looking ("-5", "1e9", "0x10") is junk, not a date.
  if (/^[0-9.+\-eExX]+$/.test(value)) {
    return /^\d+(\.\d+)?$/.test(value) ? seconds(Number(value)) : undefined;
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * Seconds to wait before the next attempt, from an upstream's headers, at
 * most `maxSeconds`: `999999` or a date in 2099 becomes the ceiling, a
 * negative or unreadable value becomes none (the caller's own backoff).
 */
export function parseRetryAfter(headers: IncomingHttpHeaders | undefined, maxSeconds: number, now = Date.now()): number | undefined {
  if (!headers) {
    return undefined;
  }
  const requested = requestedSeconds(headers, now);
  return requested === undefined ? undefined : Math.min(requested, maxSeconds);
}
