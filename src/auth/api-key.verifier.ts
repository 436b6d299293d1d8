import { ROOT_LOGGER } from '@ballast/observability';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { createHmac, hash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import { APP_CONFIG } from '../config';
import type { AppConfig } from '../config';

/** One-shot (`crypto.hash`): no Hash object and stream per request, as `createHash` builds. */
function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/** The keys a request presents: `Authorization: Bearer <key>` and/or `x-api-key: <key>`. */
export function presentedKeys(headers: IncomingHttpHeaders): string[] {
  const keys: string[] = [];
  const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(headers.authorization ?? '');
  if (bearer) {
    keys.push(bearer[1]);
  }
  const header = headers['x-api-key'];
  for (const value of Array.isArray(header) ? header : header === undefined ? [] : [header]) {
    if (value.trim()) {
      keys.push(value.trim());
    }
  }
  return keys;
}

/**
 * Checks API keys without leaking, by timing, how much of a key matched: a
 * presented key is looked up by its SHA-256 digest, never compared with a
 * key. What a lookup's time could tell is about the digest of the guess,
 * which says nothing about any configured key (finding a key from its digest
 * is a preimage attack). Comparing the digest with every configured one by
 * `timingSafeEqual`, as before, cost a native call per configured key on
 * every request and protected nothing more.
 */
@Injectable()
export class ApiKeyVerifier implements OnApplicationBootstrap {
  /** Each configured key's digest (hex) → its id. */
  private readonly ids = new Map<string, string>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    // Ids are HMACs, not plain digests: whoever reads Redis cannot test guesses of a key against them.
    // Without RATE_LIMIT_KEY_SECRET the HMAC key is derived from all the configured keys: the same on
    // every replica with the same API_KEYS, and unknown to anyone who does not hold every one of them.
    const secret = config.rateLimitKeySecret ?? hash('sha256', [...config.apiKeys].sort().join('\n'), 'buffer');
    for (const key of config.apiKeys) {
      this.ids.set(sha256Hex(key), `key:${createHmac('sha256', secret).update(key, 'utf8').digest('hex').slice(0, 16)}`);
    }
  }

  get enabled(): boolean {
    return this.ids.size > 0;
  }

  /** A stable, non-secret id of the matching key (an HMAC prefix), or undefined. */
  verify(presented: string): string | undefined {
    return this.ids.get(sha256Hex(presented));
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) {
      this.logger.warn('API_KEYS is not set: every /v1 route is open to anyone who can reach this server');
    } else {
      this.logger.info({ api_keys: this.ids.size }, 'API key authentication on for /v1 routes');
    }
  }
}
