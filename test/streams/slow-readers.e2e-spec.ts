import { once } from 'node:events';
import { request as httpRequest, IncomingMessage } from 'node:http';
import { twoUpstreamModels, writeModelsFile } from '../support/models-file';
import { BallastProcess, spawnBallast } from '../support/spawn-ballast';
import { startTestUpstream, TestUpstream } from '../upstream';

const READERS = 50;
const ANSWER = 'slow reader '.repeat(30_000); // ~360 KB: far more than the socket buffers hold while a reader pauses

/** Opens a stream and holds its response paused (nothing read) until released. */
async function pausedStream(url: URL): Promise<IncomingMessage> {
  const body = JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: `echo:${ANSWER}` }] });
  const req = httpRequest({
    host: url.hostname,
    port: url.port,
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
  });
  req.end(body);
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  res.pause();
  return res;
}

describe('50 slow SSE readers', () => {
  let upstream: TestUpstream;
  let ballast: BallastProcess;
  let url: URL;

  beforeAll(async () => {
    upstream = await startTestUpstream({ name: 'primary', chunks: 180, record: false });
    // A real process: Node prints MaxListenersExceededWarning on its stderr (Jest's sandboxed `process` never sees it).
    ballast = spawnBallast({ MODELS_FILE: writeModelsFile(twoUpstreamModels(upstream.url, upstream.url)), RATE_LIMIT_RPM: '100000' });
    url = new URL(`http://127.0.0.1:${await ballast.listening}`);
  });
  afterAll(async () => {
    await ballast.stop();
    await upstream.close();
  });

  it('wait on backpressure again and again without leaving listeners behind (no MaxListenersExceededWarning)', async () => {
    {
      const responses = await Promise.all(Array.from({ length: READERS }, () => pausedStream(url)));
      // Read them slowly, a few kilobytes per turn, so every stream's writes keep waiting for drain.
      const lengths = await Promise.all(
        responses.map(async (res) => {
          let bytes = 0;
          for await (const chunk of res) {
            bytes += (chunk as Buffer).length;
            await new Promise((resolve) => setImmediate(resolve));
          }
          return bytes;
        }),
      );
      expect(lengths.every((bytes) => bytes > ANSWER.length)).toBe(true);
      // The streams have ended, so anything the server had to say about them is on its stderr by now.
      expect((await fetch(`${url.origin}/metrics`)).status).toBe(200);
      expect(ballast.stderr.filter((line) => line.includes('MaxListenersExceededWarning'))).toEqual([]);
    }
  }, 60_000);
});
