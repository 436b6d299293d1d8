import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnBallast } from './support/spawn-ballast';

async function failedStart(env: Record<string, string>) {
  const ballast = spawnBallast(env);
  try {
    const exit = await ballast.exited;
    return { exit, stderr: ballast.stderr.join('\n'), stdout: ballast.stdout.join('\n') };
  } finally {
    await ballast.stop();
  }
}

describe('start-up with invalid configuration', () => {
  it('refuses a non-numeric PORT with one line naming it and no stack', async () => {
    const started = Date.now();
    const { exit, stderr } = await failedStart({ PORT: 'notaport' });
    expect(exit.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(stderr).toMatch(/^\s*PORT: /m);
    expect(stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });

  it('refuses a malformed models file, naming MODELS_FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ballast-'));
    const file = join(dir, 'models.yaml');
    writeFileSync(file, 'providers:\n  primary: [unclosed\n  models: {');
    const { exit, stderr } = await failedStart({ MODELS_FILE: file });
    expect(exit.code).toBe(1);
    expect(stderr).toMatch(/MODELS_FILE: .*not valid YAML/);
    expect(stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });

  it('lists every bad setting at once, including an unknown provider type', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ballast-'));
    const file = join(dir, 'models.json');
    writeFileSync(file, JSON.stringify({ providers: { p: { type: 'telepathy' } }, models: {} }));
    const { exit, stderr } = await failedStart({ MODELS_FILE: file, RATE_LIMIT_RPM: 'lots' });
    expect(exit.code).toBe(1);
    expect(stderr).toMatch(/RATE_LIMIT_RPM: /);
    expect(stderr).toMatch(/MODELS_FILE: providers\.p/);
  });

  it('starts with no models file and no upstream', async () => {
    const ballast = spawnBallast({});
    try {
      const port = await ballast.listening;
      const res = await fetch(`http://127.0.0.1:${port}/health/live`);
      expect(res.status).toBe(200);
    } finally {
      await ballast.stop();
    }
  });
});
