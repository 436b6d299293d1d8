import './tracing';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ROOT_LOGGER } from '@ballast/observability';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { runAsClusterPrimary, shutdownSignals } from './cluster';
import { ConfigError, loadConfig } from './config';
import { configureApp, fastifyOptions } from './configure-app';
import { exitGracefullyOnSignals } from './shutdown';
import { applyServerLimits } from './server/apply-server-limits';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`ballast: cannot start, invalid configuration:\n${error.problems.map((p) => `  ${p}`).join('\n')}\n`);
      process.exit(1);
    }
    throw error;
  }
  if (runAsClusterPrimary(config)) {
    return; // WORKERS > 1: this process is the cluster's primary (src/cluster)
  }
  // On Nest's Fastify adapter: configure-app.ts has its options and the edge.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), new FastifyAdapter(fastifyOptions(config)), {
    // Fastify's own parsers are replaced in configureApp; Nest must not add its defaults.
    bodyParser: false,
    bufferLogs: true,
  });
  configureApp(app, config);
  applyServerLimits(app.getHttpServer(), config.server);
  exitGracefullyOnSignals(app, shutdownSignals());
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  app
    .get<Logger>(ROOT_LOGGER)
    .info({ port, host: config.host, environment: config.isDevelopment ? 'development' : 'production' }, 'listening');
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`ballast: start-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
