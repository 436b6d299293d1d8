import { applyDecorators, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

/**
 * What a route is, declared on it and read by the auth and rate-limit
 * guards, the shutdown drain gate and the docs. A route with no declaration
 * is the product API: it needs a key, is rate limited, is refused while
 * draining and is documented with the keys' security schemes. So a new route
 * cannot be public by accident.
 */
export interface RoutePolicy {
  /** No key needed, never rate limited. */
  public: boolean;
  /** Served while draining, and never holds the drain up (probes, scrapes). */
  openWhileDraining: boolean;
}

const PUBLIC = Symbol('ballast.route.public');
const OPEN_WHILE_DRAINING = Symbol('ballast.route.openWhileDraining');
/** Carries "public" into the OpenAPI document, where setupDocs reads it. */
export const PUBLIC_EXTENSION = 'x-ballast-public';

/** No API key, no rate limit (health, metrics, problem pages). */
export function PublicRoute(): ClassDecorator & MethodDecorator {
  return applyDecorators(SetMetadata(PUBLIC, true), ApiExtension(PUBLIC_EXTENSION, true));
}

/** Keeps answering while the replica drains (probes, scrapes). */
export function OpenWhileDraining(): ClassDecorator & MethodDecorator {
  return SetMetadata(OPEN_WHILE_DRAINING, true);
}

function flag(key: symbol, controller: object, handler: object): boolean {
  return Reflect.getMetadata(key, handler) === true || Reflect.getMetadata(key, controller) === true;
}

/** The policy of a handler, declared on it or on its controller; the protected default otherwise. */
export function policyOf(controller: object, handler: object): RoutePolicy {
  return { public: flag(PUBLIC, controller, handler), openWhileDraining: flag(OPEN_WHILE_DRAINING, controller, handler) };
}

/** Per controller, per handler: decorators are read once, not by two guards on every request. */
const known = new WeakMap<object, WeakMap<object, RoutePolicy>>();

/** The policy of the route a guard is running for. */
export function routePolicy(context: ExecutionContext): RoutePolicy {
  const controller = context.getClass();
  const handler = context.getHandler();
  let handlers = known.get(controller);
  if (!handlers) {
    handlers = new WeakMap();
    known.set(controller, handlers);
  }
  let policy = handlers.get(handler);
  if (!policy) {
    policy = policyOf(controller, handler);
    handlers.set(handler, policy);
  }
  return policy;
}
