/**
 * main.ts's first import: the OpenTelemetry SDK has to start before
 * Fastify and Nest are loaded, so that the HTTP server span is every
 * request's root. Does nothing (and loads nothing) unless OTEL_* turn
 * tracing on, and not in the primary of a cluster (WORKERS > 1).
 */
import { startTracing } from '@ballast/observability';
import cluster from 'node:cluster';
import { tracingSettings } from './config/tracing-settings';

startTracing(tracingSettings(process.env, { clusterPrimary: cluster.isPrimary }));
