import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The flags a closed network needs: no sandbox (root in CI), no GPU, no background calls home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Debian's Chromium, installed with apt when missing. Returns the path, or
 * undefined (after saying why, visibly) when it cannot be had here.
 */
export function ensureChromium(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) {
    return CHROMIUM_PATH;
  }
  const apt = spawnSync(
    'sh',
    ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium'],
    {
      stdio: 'ignore',
      timeout: 300_000,
    },
  );
  if (existsSync(CHROMIUM_PATH)) {
    return CHROMIUM_PATH;
  }
  process.stderr.write(
    `\n*** SKIPPED: browser tests need ${CHROMIUM_PATH}; installing it with apt-get failed (exit ${apt.status ?? apt.signal ?? apt.error?.message}). ` +
      'Run `apt-get install chromium` (or .ci/run) to include them. ***\n\n',
  );
  return undefined;
}
