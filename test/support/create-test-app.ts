import { LOG_DESTINATION } from '@ballast/observability';
import { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import type { Server } from 'node:http';
import { AppModule } from '../../src/app.module';
import { AppConfig, loadConfig } from '../../src/config';
import { configureApp, fastifyOptions } from '../../src/configure-app';
import { LogCapture } from './log-capture';

export interface TestAppOptions {
  env?: Record<string, string | undefined>;
  /** Test-only controllers, registered beside the real AppModule. */
  controllers?: Type[];
  imports?: Array<Type | DynamicModule>;
  override?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  /** Listen on a free loopback port (for clients that need a URL, like the openai SDK). */
  listen?: boolean;
}

export interface TestApp {
  app: INestApplication;
  server: Server;
  config: AppConfig;
  logs: LogCapture;
  /** Set when `listen` was asked for. */
  url?: string;
  close(): Promise<void>;
}

/** Boots the real AppModule in-process, exactly as main.ts does, with logs captured. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'debug', MODEL_PROBE_INTERVAL_MS: '0', OCR_WORKERS: '1', ...options.env });
  const logs = new LogCapture();
  let builder = Test.createTestingModule({
    imports: [AppModule.forRoot(config), ...(options.imports ?? [])],
    controllers: options.controllers ?? [],
  })
    .overrideProvider(LOG_DESTINATION)
    .useValue(logs);
  if (options.override) {
    builder = options.override(builder);
  }
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(fastifyOptions(config)), {
    bodyParser: false,
    bufferLogs: true,
  });
  configureApp(app, config);
  let url: string | undefined;
  if (options.listen) {
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  } else {
    await app.init();
    // Fastify adds its routes and hooks on ready(); supertest's requests go straight to the server.
    await app.getHttpAdapter().getInstance().ready();
  }
  return { app, server: app.getHttpServer() as Server, config, logs, url, close: () => app.close() };
}
