import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes a models file (JSON is YAML) to a fresh temp folder and returns its path, for MODELS_FILE. */
export function writeModelsFile(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'ballast-models-')), 'models.json');
  writeFileSync(path, JSON.stringify(content, null, 2));
  return path;
}

/** A primary and a backup OpenAI-compatible upstream behind the public model `chat`. */
export function twoUpstreamModels(primaryUrl: string, backupUrl: string, resilience: object = {}) {
  const fast = { retries: 1, backoffBaseMs: 5, backoffMaxMs: 20, breaker: { minCalls: 1000 }, ...resilience };
  return {
    providers: {
      primary: { type: 'openai', baseUrl: primaryUrl, resilience: fast },
      backup: { type: 'openai', baseUrl: backupUrl, resilience: fast },
    },
    models: {
      chat: {
        route: [
          { provider: 'primary', model: 'primary-model' },
          { provider: 'backup', model: 'backup-model' },
        ],
      },
      small: { route: [{ provider: 'primary', model: 'primary-model', contextWindow: 50 }] },
    },
  };
}
