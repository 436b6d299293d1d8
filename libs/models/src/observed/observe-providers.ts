import type { ProviderPolicy } from '@ballast/resilience';
import type { Attributes } from '@opentelemetry/api';
import type { ModelsConfig } from '../config/models-file.schema';
import type { ModelProvider } from '../ports/model-provider.port';
import { ObservedChat, ProviderFacts } from './observed-chat';
import { ObservedOcr } from './observed-ocr';

function serverAttributes(baseUrl: unknown): Attributes {
  if (typeof baseUrl !== 'string') {
    return {};
  }
  try {
    const url = new URL(baseUrl);
    return { 'server.address': url.hostname, 'server.port': Number(url.port) || (url.protocol === 'https:' ? 443 : 80) };
  } catch {
    return {};
  }
}

/**
 * Every provider with its calls observed: each call is one attempt, timed
 * for Server-Timing and, with tracing on, a gen_ai client span. Built once
 * over all providers, so a new provider type is observed without knowing it.
 */
export function observeProviders(
  providers: Map<string, ModelProvider>,
  config: ModelsConfig,
  policies: ReadonlyMap<string, ProviderPolicy>,
): Map<string, ModelProvider> {
  const observed = new Map<string, ModelProvider>();
  for (const [id, provider] of providers) {
    const facts: ProviderFacts = {
      id,
      type: provider.type,
      attributes: serverAttributes((config.providers[id] as { baseUrl?: unknown } | undefined)?.baseUrl),
      breakerState: () => policies.get(id)?.breaker.stateName ?? 'closed',
    };
    // Inherits everything else (probe, start, close, instanceof) from the provider itself.
    observed.set(
      id,
      Object.assign(Object.create(provider) as ModelProvider, {
        chat: provider.chat && new ObservedChat(provider.chat, facts),
        ocr: provider.ocr && new ObservedOcr(provider.ocr, facts),
      }),
    );
  }
  return observed;
}
