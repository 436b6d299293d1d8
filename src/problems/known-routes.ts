import { Injectable, OnApplicationBootstrap, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';

interface KnownRoute {
  /** Path segments; `null` stands for a `:param`. */
  segments: Array<string | null>;
  methods: Set<string>;
}

function joinPaths(...parts: Array<string | string[] | undefined>): string {
  const text = parts.map((part) => (Array.isArray(part) ? part[0] : part) ?? '').join('/');
  return `/${text.split('/').filter(Boolean).join('/')}`;
}

function segmentsOf(path: string): string[] {
  return path.toLowerCase().split('/').filter(Boolean);
}

/**
 * The controllers' routes with their methods, read once from Nest's route
 * metadata, so that a known path asked with the wrong method is answered
 * 405 with `Allow` rather than 404.
 */
@Injectable()
export class KnownRoutes implements OnApplicationBootstrap {
  private readonly routes: KnownRoute[] = [];

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
        const route = byPath.get(full) ?? { segments: segmentsOf(full).map((s) => (s.startsWith(':') ? null : s)), methods: new Set() };
        route.methods.add(RequestMethod[method]);
        if (RequestMethod[method] === 'GET') {
          route.methods.add('HEAD');
        }
        byPath.set(full, route);
      }
    }
    this.routes.push(...byPath.values());
  }

  /** The methods a path accepts, or an empty list when no route has this path. */
  allowedMethods(path: string): string[] {
    const asked = segmentsOf(path);
    const methods = new Set<string>();
    for (const route of this.routes) {
      if (route.segments.length === asked.length && route.segments.every((segment, i) => segment === null || segment === asked[i])) {
        route.methods.forEach((method) => methods.add(method));
      }
    }
    return [...methods].sort();
  }
}
