import { createTestApp, TestApp } from '../support/create-test-app';
import { writeModelsFile } from '../support/models-file';
import { startTestUpstream, TestUpstream, TestUpstreamOptions } from '../upstream';

export interface ClientRig {
  upstream: TestUpstream;
  ballast: TestApp;
  /** http://127.0.0.1:PORT of Ballast. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A real Ballast in-process on a loopback port, in front of the real test
 * upstream. Ballast does not retry (retries: 0), so what the upstream does
 * reaches the client and the client's own retries are what the tests see.
 */
export async function startClientRig(upstreamOptions: TestUpstreamOptions = {}, env: Record<string, string> = {}): Promise<ClientRig> {
  const upstream = await startTestUpstream({ chunks: 5, ...upstreamOptions });
  const models = {
    providers: {
      primary: { type: 'openai', baseUrl: upstream.url, resilience: { retries: 0, breaker: { minCalls: 1000 } } },
      local: { type: 'local' },
    },
    models: {
      chat: { route: [{ provider: 'primary', model: 'primary-model' }] },
      vision: {
        route: [
          { provider: 'primary', model: 'vision-model' },
          { provider: 'local', model: 'ocr' },
        ],
      },
      ocr: { route: [{ provider: 'local', model: 'ocr' }] },
    },
  };
  const ballast = await createTestApp({ listen: true, env: { MODELS_FILE: writeModelsFile(models), ...env } });
  const url = ballast.url!;
  return {
    upstream,
    ballast,
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
