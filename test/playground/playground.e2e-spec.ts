import request from 'supertest';
import { createTestApp, TestApp } from '../support/create-test-app';
import { spawnBallast } from '../support/spawn-ballast';

describe('GET /playground', () => {
  const apps: TestApp[] = [];
  const start = async (env: Record<string, string>) => {
    const app = await createTestApp({ env });
    apps.push(app);
    return app;
  };
  afterAll(() => Promise.all(apps.map((a) => a.close())));

  it('is off in production: a 404 problem for the page and its files', async () => {
    const t = await start({});

    for (const path of ['/playground', '/playground/playground.js']) {
      const res = await request(t.server).get(path).expect(404);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'NOT_FOUND', request_id: expect.any(String) });
    }
  });

  it.each([
    ['in production with PLAYGROUND=true', { PLAYGROUND: 'true' }],
    ['in development', { NODE_ENV: 'development' }],
  ])('is on %s: the bundled page, its script and styles, loading nothing from elsewhere', async (_name, env) => {
    const t = await start(env);

    const page = await request(t.server).get('/playground').expect(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'; script-src 'self'");
    expect(page.text).toContain('<script type="module" src="/playground/playground.js">');
    expect(page.text).not.toMatch(/https?:\/\//);
    const script = await request(t.server).get('/playground/playground.js').expect(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.text).toContain('x-ballast-resumable');
    await request(t.server).get('/playground/playground.css').expect(200).expect('content-type', 'text/css; charset=utf-8');
    await request(t.server).get('/playground/secrets.txt').expect(404);
  });

  it('needs no API key itself, while the API it calls does', async () => {
    const t = await start({ PLAYGROUND: 'true', API_KEYS: 'key-a' });

    await request(t.server).get('/playground').expect(200);
    await request(t.server).get('/playground/playground.js').expect(200);
    await request(t.server).get('/v1/models').expect(401);
    await request(t.server).get('/v1/models').set('authorization', 'Bearer key-a').expect(200);
  });

  it('is documented in the OpenAPI document outside /v1: no API key scheme', async () => {
    const t = await start({ PLAYGROUND: 'true' });

    const doc = await request(t.server).get('/docs-json').expect(200);
    expect(Object.keys(doc.body.paths).filter((p) => p.startsWith('/playground'))).toEqual(['/playground', '/playground/{file}']);
    expect(doc.body.paths['/playground'].get.security).toBeUndefined();
    expect(doc.body.paths['/playground'].get.responses['404']).toBeDefined();
  });

  it('is served by the built server from dist/playground', async () => {
    const ballast = spawnBallast({ PLAYGROUND: 'true' });
    try {
      const port = await ballast.listening;
      const res = await fetch(`http://127.0.0.1:${port}/playground`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('/playground/playground.js');
      expect((await fetch(`http://127.0.0.1:${port}/playground/playground.js`)).status).toBe(200);
    } finally {
      await ballast.stop();
    }
  });
});
