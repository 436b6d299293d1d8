import { Controller, Get } from '@nestjs/common';
import request from 'supertest';
import { PublicRoute } from '../../src/auth';
import { ShutdownCoordinator } from '../../src/shutdown';
import { TestApp } from '../support/create-test-app';
import { createStartedApp } from './started-app';

const KEY = 'route-policy-key-8e2f';

/** Declares nothing: the default must be the protected one, wherever its path is. */
@Controller('v1/brand-new')
class UndecoratedV1Controller {
  @Get()
  get(): { ok: true } {
    return { ok: true };
  }
}

@Controller('elsewhere')
class UndecoratedElsewhereController {
  @Get()
  get(): { ok: true } {
    return { ok: true };
  }
}

@PublicRoute()
@Controller('v1/declared-public')
class PublicController {
  @Get()
  get(): { ok: true } {
    return { ok: true };
  }
}

/** Issue 13: route policy is declared on the route (default protected), not matched on path strings. */
describe('route policy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createStartedApp({
      controllers: [UndecoratedV1Controller, UndecoratedElsewhereController, PublicController],
      env: { API_KEYS: KEY, RATE_LIMIT_RPM: '2' },
    });
  });
  afterAll(() => t.close());

  it.each(['/v1/brand-new', '/elsewhere'])('a new undecorated route (%s) needs a key and is rate limited', async (path) => {
    await request(t.server).get(path).expect(401);
    const ok = await request(t.server).get(path).set('x-api-key', KEY).expect(200);
    expect(ok.headers['ratelimit-policy']).toBeDefined();
  });

  it('a route declared public needs no key and is never rate limited', async () => {
    for (let i = 0; i < 4; i++) {
      const res = await request(t.server).get('/v1/declared-public').expect(200);
      expect(res.headers['ratelimit-policy']).toBeUndefined();
    }
  });

  it('documents an undecorated route with the key schemes and the edge problems, a public one without', async () => {
    const document = (await request(t.server).get('/docs-json').expect(200)).body as {
      paths: Record<string, { get: { security?: unknown[]; responses: Record<string, unknown> } }>;
    };
    for (const path of ['/v1/brand-new', '/elsewhere']) {
      expect(document.paths[path].get.security).toEqual([{ bearer: [] }, { 'api-key': [] }]);
      expect(document.paths[path].get.responses['401']).toBeDefined();
    }
    expect(document.paths['/v1/declared-public'].get.security).toBeUndefined();
    expect(document.paths['/health/live'].get.security).toBeUndefined();
  });

  it('while draining: undecorated routes are refused, routes declared open (health, metrics) still answer', async () => {
    const drained = t.app.get(ShutdownCoordinator).drain();
    await request(t.server).get('/elsewhere').set('x-api-key', KEY).expect(503);
    await request(t.server).get('/v1/brand-new').set('x-api-key', KEY).expect(503);
    await request(t.server).get('/health/live').expect(200);
    await request(t.server).get('/metrics').expect(200);
    await drained;
  });
});
