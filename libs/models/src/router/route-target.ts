import type { ModelProvider } from '../ports/model-provider.port';

/** One entry of a public model's route, resolved to its provider. */
export interface RouteTarget {
  readonly publicModel: string;
  readonly providerId: string;
  readonly provider: ModelProvider;
  readonly model: string;
  readonly contextWindow?: number;
  readonly index: number;
}

export interface Routed<T> {
  value: T;
  served: RouteTarget;
  attempts: number;
  fallback: boolean;
}

export type Capability = 'chat' | 'ocr';

export function describeTarget(target: RouteTarget): string {
  return `${target.publicModel}/${target.providerId}/${target.model}`;
}
