import { ROOT_LOGGER } from '@ballast/observability';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import { APP_CONFIG } from '../config';
import type { AppConfig } from '../config';

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
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
 * Checks API keys without leaking, by timing, how much of a key matched:
 * both sides are hashed to equal-length digests, compared with
 * `timingSafeEqual`, and every configured key is compared every time.
 */
@Injectable()
export class ApiKeyVerifier implements OnApplicationBootstrap {
  private readonly digests: Buffer[];
  private readonly ids = new Map<string, string>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.digests = config.apiKeys.map(sha256);
    // Ids are HMACs, not plain digests: whoever reads Redis cannot test guesses of a key against them.
    // Without RATE_LIMIT_KEY_SECRET the HMAC key is derived from all the configured keys: the same on
    // every replica with the same API_KEYS, and unknown to anyone who does not hold every one of them.
    const secret = config.rateLimitKeySecret ?? sha256([...config.apiKeys].sort().join('\n'));
    for (const [index, key] of config.apiKeys.entries()) {
      this.ids.set(
        this.digests[index].toString('hex'),
        `key:${createHmac('sha256', secret).update(key, 'utf8').digest('hex').slice(0, 16)}`,
      );
    }
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** A stable, non-secret id of the matching key (an HMAC prefix), or undefined. */
  verify(presented: string): string | undefined {
    const digest = sha256(presented);
    let matched: Buffer | undefined;
    for (const candidate of this.digests) {
      if (timingSafeEqual(digest, candidate)) {
        matched = candidate;
      }
    }
    return matched ? this.ids.get(matched.toString('hex')) : undefined;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) {
      this.logger.warn('API_KEYS is not set: every /v1 route is open to anyone who can reach this server');
    } else {
      this.logger.info({ api_keys: this.digests.length }, 'API key authentication on for /v1 routes');
    }
  }
}
