import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { effectiveServerLimits } from './apply-server-limits';
import { openFilesLimit } from './open-files-limit';

const settings = { maxConnections: 4096, headersTimeoutMs: 20_000, keepAliveTimeoutMs: 65_000, bodyTimeoutMs: 120_000 };

describe('effectiveServerLimits', () => {
  it('keeps the connection cap below the file-descriptor limit, with room for everything else', () => {
    expect(effectiveServerLimits(settings, 1024)).toEqual({ maxConnections: 512, evictIdleAbove: 460 });
    expect(effectiveServerLimits(settings, 1_048_576).maxConnections).toBe(4096);
    expect(effectiveServerLimits(settings, undefined).maxConnections).toBe(4096);
  });
});

describe('openFilesLimit', () => {
  it('reads the soft limit from a /proc limits table', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ballast-limits-')), 'limits');
    writeFileSync(
      path,
      'Limit                     Soft Limit           Hard Limit           Units\nMax open files            20000                524288               files\n',
    );
    expect(openFilesLimit(path)).toBe(20000);
    expect(openFilesLimit(join(path, 'missing'))).toBeUndefined();
  });
});
