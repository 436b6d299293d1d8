import { ROOT_LOGGER } from '@ballast/observability';
import { Inject, Injectable } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { APP_CONFIG } from '../config';
import type { AppConfig } from '../config';

export interface PlaygroundAsset {
  contentType: string;
  body: Buffer;
}

/** What `npm run build` bundles into dist/playground (src/playground/page/build.mjs). */
const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'playground.js': 'text/javascript; charset=utf-8',
  'playground.css': 'text/css; charset=utf-8',
};

/**
 * The built page, read on first use when the playground is on, then kept.
 * From dist/src/playground that is dist/playground; from the sources
 * (ts-node, Jest) the dist/playground the build left. Read lazily so that
 * `npm run build:playground` after `nest start --watch` (which empties
 * dist/ when it starts) needs no restart.
 */
@Injectable()
export class PlaygroundAssets {
  private assets?: Map<string, PlaygroundAsset>;
  private warned = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  get(name: string): PlaygroundAsset | undefined {
    if (!this.config.playground) {
      return undefined;
    }
    this.assets ??= this.load();
    return this.assets?.get(name);
  }

  private load(): Map<string, PlaygroundAsset> | undefined {
    const dir = [join(__dirname, '..', '..', 'playground'), join(__dirname, '..', '..', 'dist', 'playground')].find((d) =>
      existsSync(join(d, 'index.html')),
    );
    if (!dir) {
      if (!this.warned) {
        this.warned = true;
        this.logger.warn('the playground is on but not built (npm run build:playground); /playground answers 404');
      }
      return undefined;
    }
    return new Map(Object.entries(FILES).map(([name, contentType]) => [name, { contentType, body: readFileSync(join(dir, name)) }]));
  }
}
