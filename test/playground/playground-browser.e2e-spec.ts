import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';
import { replyChunks, startClientRig, ClientRig } from '../client/client-setup';
import { generateFixtures } from '../fixtures/generate-fixtures';
import { CHROMIUM_ARGS, ensureChromium } from '../support/chromium';
import { startCuttingProxy } from '../support/cutting-proxy';

const executablePath = ensureChromium();
const ARTIFACTS = join(__dirname, '..', 'artifacts');
const KEY = 'playground-key';
const REPLY = 'Hello from the browser: this answer streams in five chunks.';

(executablePath ? describe : describe.skip)('the playground in a real browser (Debian Chromium)', () => {
  let rig: ClientRig;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let invoicePath: string;
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const [started, fixtures] = await Promise.all([startClientRig({}, { PLAYGROUND: 'true', API_KEYS: KEY }), generateFixtures()]);
    rig = started;
    invoicePath = fixtures['ocr-text-png'].path;
    profile = mkdtempSync(join(tmpdir(), 'ballast-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1000, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (r) => {
      if (!r.url().startsWith(rig.url)) {
        foreignRequests.push(r.url());
      }
    });
    await page.goto(`${rig.url}/playground`);
    await page.getByTestId('api-key').fill(KEY);
  }, 120_000);
  beforeEach(() => rig.upstream.reset());
  afterAll(async () => {
    await context?.close();
    await rig?.close();
    if (profile) {
      rmSync(profile, { recursive: true, force: true });
    }
  });

  const send = async (text: string) => {
    await page.getByTestId('prompt').fill(text);
    await page.getByTestId('send').click();
  };

  it('streams the answer to a typed message', async () => {
    rig.upstream.enqueue({ kind: 'drip', intervalMs: 250 });

    await send(`echo:${REPLY}`);

    await page.getByTestId('streaming').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'playground-streaming.png') });
    await page.getByTestId('status').filter({ hasText: 'done' }).waitFor();
    await expectText(page.getByTestId('message-assistant').last().locator('.content'), REPLY);
    expect(rig.upstream.requests[0].headers['x-request-id']).toEqual(expect.any(String));
    await page.screenshot({ path: join(ARTIFACTS, 'playground-chat.png') });
  });

  it('shows the error with its request id, and the partial text, when the upstream fails mid-stream', async () => {
    rig.upstream.enqueue({ kind: 'drop-stream', afterChunks: 3 });

    await send(`echo:${REPLY}`);

    await page.getByTestId('status').filter({ hasText: 'error' }).waitFor();
    const requestId = rig.upstream.requests[0].headers['x-request-id'] as string;
    await expectText(page.getByTestId('problem-request-id'), requestId);
    await expectText(page.getByTestId('problem-code'), 'UPSTREAM_UNAVAILABLE');
    expect(await page.getByTestId('problem-link').getAttribute('href')).toBe('/problems/upstream-unavailable');
    const partial = page.getByTestId('message-assistant').last();
    await expectText(partial.locator('.content'), replyChunks(REPLY, 5).slice(0, 3).join(''));
    await partial.getByTestId('partial-badge').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'playground-error.png'), fullPage: true });
  });

  it('shows a retry while it waits out a retryable problem, then the answer', async () => {
    rig.upstream.enqueue({ kind: 'status', status: 503 });

    await send(`echo:${REPLY}`);

    await expectText(page.getByTestId('retry-info'), 'retry: attempt 2 in 1000 ms (UPSTREAM_UNAVAILABLE)');
    await page.getByTestId('status').filter({ hasText: 'done' }).waitFor();
    await expectText(page.getByTestId('message-assistant').last().locator('.content'), REPLY);
  });

  it('resumes a stream whose connection broke after 3 events, and shows the whole answer once', async () => {
    const proxy = await startCuttingProxy(rig.port);
    const tab = await context.newPage();
    try {
      await tab.goto(`${proxy.url}/playground`);
      await tab.getByTestId('api-key').fill(KEY);
      rig.upstream.enqueue({ kind: 'drip', intervalMs: 100 });
      proxy.cutNextStreamAfterEvents(3);

      await tab.getByTestId('prompt').fill(`echo:${REPLY}`);
      await tab.getByTestId('send').click();

      await proxy.cut();
      await tab.getByTestId('status').filter({ hasText: 'done' }).waitFor();
      // Which event the client last held when the connection broke depends on how the browser read the cut bytes;
      // that it resumed, and then shows the whole answer once from one generation, does not.
      await tab.getByTestId('resume-info').waitFor({ timeout: 10_000 });
      expect(await tab.getByTestId('resume-info').textContent()).toMatch(/^resumed after event [0-9]+$/);
      await expectText(tab.getByTestId('message-assistant').last().locator('.content'), REPLY);
      expect(rig.upstream.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(1);
      await tab.screenshot({ path: join(ARTIFACTS, 'playground-resumed.png') });
    } finally {
      await tab.close();
      await proxy.close();
    }
  });

  it('reads the text of the uploaded OCR test image', async () => {
    await page.getByTestId('image-input').setInputFiles(invoicePath);
    await page.getByTestId('ocr').click();

    await page.getByTestId('vision-result').waitFor();
    expect(await page.getByTestId('vision-text').textContent()).toContain('4711');
    expect(await page.getByTestId('corrections').textContent()).toMatch(/\S/);
    await page.screenshot({ path: join(ARTIFACTS, 'playground-ocr.png'), fullPage: true });
  });

  it('keeps the API key in this tab only, and fetched nothing from elsewhere', async () => {
    const stored = await page.evaluate(() => ({ session: Object.values(sessionStorage), local: Object.values(localStorage) }));

    expect(stored).toEqual({ session: [KEY], local: [] });
    expect(foreignRequests).toEqual([]);
  });
});

async function expectText(locator: ReturnType<Page['getByTestId']>, text: string): Promise<void> {
  await locator.filter({ hasText: text.trim() }).waitFor({ timeout: 10_000 });
  expect(await locator.textContent()).toBe(text);
}
