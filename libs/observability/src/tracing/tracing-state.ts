import type { TracingSettings } from './tracing-settings';
import { TRACING_OFF } from './tracing-settings';

/**
 * The process-wide tracing facts, set once by startTracing before Nest
 * boots. Module state on purpose: the SDK is process-wide too, and the
 * per-app BallastMetrics read the counts from here when scraped.
 */
export const tracingState = {
  settings: TRACING_OFF as Readonly<TracingSettings>,
  /** Spans started and not yet ended (all kinds). */
  activeSpans: 0,
  /** Spans lost: the export queue was full, or the collector refused or could not be reached. */
  droppedSpans: 0,
};

export function tracingEnabled(): boolean {
  return tracingState.settings.enabled;
}

/** Prompt and completion text go into attempt spans only when tracing and content capture are both on. */
export function capturesContent(): boolean {
  return tracingState.settings.enabled && tracingState.settings.captureContent;
}
