import { Controller, ExecutionContext, Get } from '@nestjs/common';
import { PublicRoute, routePolicy } from './route-policy';

@Controller()
class Probes {
  @Get('open')
  @PublicRoute()
  open(): void {}

  @Get('closed')
  closed(): void {}
}

function contextFor(handler: () => void): ExecutionContext {
  return { getClass: () => Probes, getHandler: () => handler } as unknown as ExecutionContext;
}

describe('routePolicy', () => {
  const sut = routePolicy;

  it('reads what the route declares, the protected default otherwise', () => {
    expect(sut(contextFor(Probes.prototype.open))).toEqual({ public: true, openWhileDraining: false });
    expect(sut(contextFor(Probes.prototype.closed))).toEqual({ public: false, openWhileDraining: false });
  });

  it('reads a route once: every later request gets the same policy, not a fresh metadata lookup', () => {
    const first = sut(contextFor(Probes.prototype.open));

    expect(sut(contextFor(Probes.prototype.open))).toBe(first);
  });
});
