import { noteRouteTemplate } from '@ballast/observability';
import { Controller, Get, Post } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { KnownRoutes } from './known-routes';

@Controller('v1')
class RoutesController {
  @Get('models')
  models(): void {}

  @Post('chat/completions')
  chat(): void {}

  @Get('chat/streams/:requestId')
  stream(): void {}
}

function knownRoutes(): KnownRoutes {
  const discovery = { getControllers: () => [{ metatype: RoutesController }] } as unknown as DiscoveryService;
  const routes = new KnownRoutes(discovery, new MetadataScanner());
  routes.onApplicationBootstrap();
  return routes;
}

describe('KnownRoutes', () => {
  const routes = knownRoutes();

  it.each([
    ['/v1/models', ['GET', 'HEAD']],
    ['/v1/models/', ['GET', 'HEAD']],
    ['/v1/models?limit=1', ['GET', 'HEAD']],
    ['http://api.example/v1/models', ['GET', 'HEAD']],
    ['/v1/mod%65ls', ['GET', 'HEAD']],
    ['/v1/chat/completions', ['POST']],
    ['/v1/chat/streams/AbC-123', ['GET', 'HEAD']],
  ])('knows the methods of %s, as the router matches it', (target, methods) => {
    expect(routes.allowedMethods(target)).toEqual(methods);
  });

  it.each([['/V1/models'], ['/v1/MODELS'], ['/v1/models//'], ['//v1/models'], ['/v1/chat/streams/'], ['*'], ['/v1']])(
    'knows no route at %s, as the router (case-sensitive, one trailing slash ignored) finds none',
    (target) => {
      expect(routes.allowedMethods(target)).toEqual([]);
    },
  );

  it('finds the policy of the route a request will reach', () => {
    expect(routes.policyFor('POST', '/v1/chat/completions')).toBeDefined();
    expect(routes.policyFor('GET', '/v1/chat/completions')).toBeUndefined();
    expect(routes.policyFor('POST', '/V1/CHAT/COMPLETIONS')).toBeUndefined();
  });

  it('finds the same policy for a routed request by the template the router matched, and by the URL for an unrouted one', () => {
    const request = (method: string, url: string, template?: string) => {
      const req = { method, url, headers: {} } as IncomingMessage;
      if (template !== undefined) {
        noteRouteTemplate(req, template);
      }
      return req;
    };
    const stream = request('GET', '/v1/chat/streams/AbC-123', '/v1/chat/streams/:requestId');
    expect(routes.policyOf(stream)).toBeDefined();
    expect(routes.policyOf(stream)).toBe(routes.policyFor('GET', '/v1/chat/streams/AbC-123'));
    expect(routes.policyOf(request('POST', '/v1/chat/completions', '/v1/chat/completions'))).toBe(
      routes.policyFor('POST', '/v1/chat/completions'),
    );
    expect(routes.policyOf(request('GET', '/v1/chat/completions', '/v1/chat/completions'))).toBeUndefined();
    expect(routes.policyOf(request('POST', '/v1/chat/completions'))).toBe(routes.policyFor('POST', '/v1/chat/completions'));
    expect(routes.policyOf(request('GET', '/nowhere', '/*'))).toBeUndefined();
  });
});
