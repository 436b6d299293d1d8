import { spawnBallast, waitUntilReady } from '../support/spawn-ballast';
import { writeModelsFile } from '../support/models-file';
import { startTestUpstream, TestUpstream, TestUpstreamOptions } from '../upstream';

export interface ClientRig {
  upstream: TestUpstream;
  /** http://127.0.0.1:PORT of Ballast. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A real Ballast (in-process, or as a child process) on a loopback port, in front of the real test
 * upstream. Ballast does not retry (retries: 0), so what the upstream does
 * reaches the client and the client's own retries are what the tests see.
 */
export async function startClientRig(
  upstreamOptions: TestUpstreamOptions = {},
  env: Record<string, string> = {},
  /** Run the built server (dist/) as a child process: for test files whose environment is not Node's (jsdom). */
  childProcess = false,
): Promise<ClientRig> {
  const upstream = await startTestUpstream({ chunks: 5, ...upstreamOptions });
  const models = {
    providers: {
      primary: { type: 'openai', baseUrl: upstream.url, resilience: { retries: 0, breaker: { minCalls: 1000 } } },
      // The same upstream under a second provider id: a route entry to fall back (or continue) on.
      backup: { type: 'openai', baseUrl: upstream.url, resilience: { retries: 0, breaker: { minCalls: 1000 } } },
      local: { type: 'local' },
    },
    models: {
      chat: { route: [{ provider: 'primary', model: 'primary-model' }] },
      'chat-fallback': {
        route: [
          { provider: 'primary', model: 'primary-model' },
          { provider: 'backup', model: 'backup-model' },
        ],
      },
      'chat-continued': {
        continueOnFailure: true,
        route: [
          { provider: 'primary', model: 'primary-model' },
          { provider: 'backup', model: 'backup-model', prefill: true },
        ],
      },
      vision: {
        route: [
          { provider: 'primary', model: 'vision-model' },
          { provider: 'local', model: 'ocr' },
        ],
      },
      ocr: { route: [{ provider: 'local', model: 'ocr' }] },
    },
  };
  const settings = { MODELS_FILE: writeModelsFile(models), OCR_WORKERS: '1', ...env };
  if (childProcess) {
    const ballast = spawnBallast(settings);
    const port = await ballast.listening;
    await waitUntilReady(port);
    return {
      upstream,
      url: `http://127.0.0.1:${port}`,
      port,
      close: () => Promise.all([ballast.stop(), upstream.close()]).then(() => undefined),
    };
  }
  // Loaded only here: the in-process app is Node-only, and jsdom test files must not load it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createTestApp } = require('../support/create-test-app') as typeof import('../support/create-test-app');
  const ballast = await createTestApp({ listen: true, env: settings });
  const url = ballast.url!;
  return {
    upstream,
    url,
    port: Number(new URL(url).port),
    async close() {
      await ballast.close();
      await upstream.close();
    },
  };
}

/** The i-th of `chunks` slices of a streamed reply, as the test upstream cuts it. */
export function replyChunks(reply: string, chunks: number): string[] {
  const size = Math.ceil(reply.length / chunks);
  return Array.from({ length: chunks }, (_, i) => reply.slice(i * size, (i + 1) * size));
}
