import type { RouteTarget } from './route-target';

/** One route entry's metric labels, for the series every answered request touches. */
export interface EntryLabels {
  readonly entry: { readonly model: string; readonly provider: string };
  readonly success: { readonly model: string; readonly provider: string; readonly outcome: 'success' };
  readonly promptTokens: { readonly model: string; readonly provider: string; readonly kind: 'prompt' };
  readonly completionTokens: { readonly model: string; readonly provider: string; readonly kind: 'completion' };
}

const built = new WeakMap<RouteTarget, EntryLabels>();

/**
 * Built once per target (routes are built once at start-up), not as fresh objects on every answer. prom-client keeps
 * the first labels object it is given for a series; none of these is changed after.
 */
export function entryLabels(target: RouteTarget): EntryLabels {
  let labels = built.get(target);
  if (!labels) {
    const entry = { model: target.publicModel, provider: target.providerId };
    labels = {
      entry,
      success: { ...entry, outcome: 'success' },
      promptTokens: { ...entry, kind: 'prompt' },
      completionTokens: { ...entry, kind: 'completion' },
    };
    built.set(target, labels);
  }
  return labels;
}
