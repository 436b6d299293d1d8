import { routeTemplate, UNMATCHED_ROUTE } from '@ballast/observability';
import { Injectable, OnApplicationBootstrap, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { policyOf, RoutePolicy } from '../auth';

interface KnownRoute {
  /** Path segments; `null` stands for a `:param`. */
  segments: Array<string | null>;
  methods: Set<string>;
  /** By method, as declared on the handler (see RoutePolicy). */
  policies: Map<string, RoutePolicy>;
}

function joinPaths(...parts: Array<string | string[] | undefined>): string {
  const text = parts.map((part) => (Array.isArray(part) ? part[0] : part) ?? '').join('/');
  return `/${text.split('/').filter(Boolean).join('/')}`;
}

/** find-my-way's own rule for an absolute-form target (`GET http://host/path`): the path is what follows the authority. */
const ABSOLUTE_FORM = /^https?:\/\/.*?\//;

function decodedSegment(segment: string): string {
  if (!segment.includes('%')) {
    return segment;
  }
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * A request target's path segments as Fastify's router (find-my-way, fastifyOptions) matches them: the path of an
 * absolute-form target, without its query, one trailing slash ignored (ignoreTrailingSlash), percent-decoded, and
 * case-sensitive: `/V1/models` is no route, so it is 404, never 405 with the Allow of `/v1/models`.
 */
function segmentsOf(target: string): string[] {
  const origin = target.startsWith('/') ? target : target.replace(ABSOLUTE_FORM, '/');
  const query = origin.indexOf('?');
  const path = query === -1 ? origin : origin.slice(0, query);
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.split('/').slice(1).map(decodedSegment);
}

/**
 * The controllers' routes with their methods and policies, read once from
 * Nest's route metadata: a known path asked with the wrong method is
 * answered 405 with `Allow` rather than 404, and what runs before routing
 * (the drain gate) can still read a route's declared policy.
 */
@Injectable()
export class KnownRoutes implements OnApplicationBootstrap {
  private readonly routes: KnownRoute[] = [];
  /** The routes a matched template reaches, found once per template: templates are the router's few, URLs are not. */
  private readonly byTemplate = new Map<string, KnownRoute[]>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onApplicationBootstrap(): void {
    const byPath = new Map<string, KnownRoute>();
    for (const wrapper of this.discovery.getControllers()) {
      const type = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!type) {
        continue;
      }
      const base = Reflect.getMetadata(PATH_METADATA, type) as string | string[] | undefined;
      for (const name of this.scanner.getAllMethodNames(type.prototype)) {
        const handler = (type.prototype as Record<string, unknown>)[name] as object;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (path === undefined || method === undefined) {
          continue;
        }
        const full = joinPaths(base, path);
        const route = byPath.get(full) ?? {
          segments: segmentsOf(full).map((s) => (s.startsWith(':') ? null : s)),
          methods: new Set<string>(),
          policies: new Map<string, RoutePolicy>(),
        };
        const policy = policyOf(type, handler);
        for (const verb of RequestMethod[method] === 'GET' ? ['GET', 'HEAD'] : [RequestMethod[method]]) {
          route.methods.add(verb);
          route.policies.set(verb, policy);
        }
        byPath.set(full, route);
      }
    }
    this.routes.push(...byPath.values());
  }

  private matching(target: string): KnownRoute[] {
    const asked = segmentsOf(target);
    return this.routes.filter(
      (route) => route.segments.length === asked.length && route.segments.every((segment, i) => segment === null || segment === asked[i]),
    );
  }

  /** The methods a request target (`req.url`) accepts, or an empty list when no route has its path. */
  allowedMethods(target: string): string[] {
    return [...new Set(this.matching(target).flatMap((route) => [...route.methods]))].sort();
  }

  /** The declared policy of the route a request (its method and `req.url`) will reach, or undefined when none matches. */
  policyFor(method: string, target: string): RoutePolicy | undefined {
    return policyIn(this.matching(target), method);
  }

  /**
   * The declared policy of the route a request will reach: by the route template the router matched (found once per
   * template, not by splitting and matching every request's URL), by its URL when the router matched none.
   */
  policyOf(req: IncomingMessage): RoutePolicy | undefined {
    const method = req.method ?? 'GET';
    const template = routeTemplate(req);
    if (template === UNMATCHED_ROUTE) {
      return this.policyFor(method, req.url ?? '/');
    }
    let routes = this.byTemplate.get(template);
    if (!routes) {
      routes = this.matching(template);
      this.byTemplate.set(template, routes);
    }
    return policyIn(routes, method);
  }
}

function policyIn(routes: KnownRoute[], method: string): RoutePolicy | undefined {
  for (const route of routes) {
    const policy = route.policies.get(method.toUpperCase());
    if (policy) {
      return policy;
    }
  }
  return undefined;
}
