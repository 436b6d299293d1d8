/**
 * main.ts's first import: the OpenTelemetry SDK has to start before
 * Express and Nest are loaded, so that the HTTP server span is every
 * request's root. Does nothing (and loads nothing) unless OTEL_* turn
 * tracing on.
 */
import { startTracing } from '@ballast/observability';
import { tracingSettings } from './config/tracing-settings';

startTracing(tracingSettings(process.env));
