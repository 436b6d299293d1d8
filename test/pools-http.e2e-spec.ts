import request from 'supertest';
import { seededRandom } from '@ballast/resilience';
import { createStartedApp } from './operability/started-app';
import { TestApp } from './support/create-test-app';
import { writeModelsFile } from './support/models-file';
import { startTestUpstream, TestUpstream } from './upstream';

const FAST = { retries: 2, backoffBaseMs: 200, backoffMaxMs: 400, breaker: { minCalls: 1000 } };
const CHAT = { model: 'chat', messages: [{ role: 'user', content: 'hello' }] };

/** What a client sees of a pool: the member that served, named in the headers and the body, and the attempts it took. */
describe('a pool of replicas as a client sees it', () => {
  let a: TestUpstream;
  let b: TestUpstream;
  let t: TestApp;

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestUpstream({ name: 'a' }), startTestUpstream({ name: 'b' })]);
    const models = {
      providers: {
        a: { type: 'openai', baseUrl: a.url, resilience: FAST },
        b: { type: 'openai', baseUrl: b.url, resilience: FAST },
      },
      models: {
        chat: {
          route: [
            {
              pool: {
                strategy: 'weighted',
                entries: [
                  { provider: 'a', model: 'model-a', weight: 9 },
                  { provider: 'b', model: 'model-b', weight: 1 },
                ],
              },
            },
          ],
        },
      },
    };
    t = await createStartedApp({ listen: true, env: { MODELS_FILE: writeModelsFile(models) } });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await Promise.all([a?.close(), b?.close()]);
  });

  it('names the member that answered, counts the attempts it took, and calls a move inside the pool no fallback', async () => {
    a.setDefault({ kind: 'status', status: 503 });
    const chats = () => [a, b].flatMap((upstream) => upstream.requests).filter((r) => r.path.endsWith('/chat/completions')).length;
    const random = jest.spyOn(Math, 'random').mockImplementation(seededRandom(7));
    const attempts: number[] = [];
    try {
      for (let i = 0; i < 10; i++) {
        const before = chats();
        const res = await request(t.server).post('/v1/chat/completions').send(CHAT).expect(200);
        expect(res.headers['x-model-used']).toBe('chat/b/model-b');
        expect(res.headers['x-fallback-used']).toBe('false');
        expect(Number(res.headers['x-ballast-attempts'])).toBe(chats() - before);
        attempts.push(Number(res.headers['x-ballast-attempts']));
      }
    } finally {
      random.mockRestore();
      a.setDefault(undefined);
    }
    // With a weighted 9:1 toward the failing member, it was picked first, failed, and the other member answered.
    expect(attempts).toContain(2);
  });
});
