import type { NodeSDK } from '@opentelemetry/sdk-node';
import type { TracingSettings } from './tracing-settings';
import { tracingState } from './tracing-state';

let sdk: NodeSDK | undefined;

/**
 * Starts the OpenTelemetry SDK when the settings turn tracing on; must run
 * before Nest and Fastify are loaded so the HTTP instrumentation patches
 * them (src/tracing.ts, main.ts's first import). With tracing off nothing
 * is loaded: the SDK's modules alone take most of a second and tens of MB.
 */
export function startTracing(settings: TracingSettings): void {
  applyTracingSettings(settings);
  if (!settings.enabled || sdk) {
    return;
  }
  // A synchronous require on purpose: an import() would let Nest load first.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startSdk } = require('./tracing-sdk') as typeof import('./tracing-sdk');
  sdk = startSdk(settings);
}

/** The settings without the SDK: for tests that register their own tracer provider. */
export function applyTracingSettings(settings: TracingSettings): void {
  tracingState.settings = Object.freeze({ ...settings });
}

/** Exports what is still queued, within the caller's patience; resolves either way. */
export async function stopTracing(timeoutMs = 2000): Promise<void> {
  const running = sdk;
  sdk = undefined;
  if (!running) {
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    running.shutdown().catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs).unref())),
  ]);
  clearTimeout(timer);
}
