import { DynamicModule, Global, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream, Logger } from 'pino';
import { BallastMetrics } from './ballast-metrics';
import { createLogger } from './create-logger';
import { LOG_DESTINATION, ROOT_LOGGER } from './observability.tokens';
import { stopTracing } from './tracing/start-tracing';

/** Spans still queued are exported (briefly) when the app closes; a no-op with tracing off. */
@Injectable()
class TracingShutdown implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return stopTracing(1000);
  }
}

export interface ObservabilityOptions {
  level: string;
  pretty: boolean;
}

@Module({})
class RootLoggerModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: RootLoggerModule,
      providers: [
        // Tests override this to capture the JSON lines; undefined means stdout.
        { provide: LOG_DESTINATION, useValue: undefined },
        {
          provide: ROOT_LOGGER,
          inject: [LOG_DESTINATION],
          useFactory: (destination?: DestinationStream) => createLogger({ ...options, destination }),
        },
      ],
      exports: [ROOT_LOGGER],
    };
  }
}

/** Logs (pino through nestjs-pino) and metrics, for the whole app. */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    const rootLogger = RootLoggerModule.forRoot(options);
    return {
      module: ObservabilityModule,
      imports: [
        rootLogger,
        LoggerModule.forRootAsync({
          imports: [rootLogger],
          inject: [ROOT_LOGGER],
          // Nest's own log calls go to the root logger; the request id comes from requestContext (create-logger's
          // mixin). So no route gets nestjs-pino's middleware: it would only bind that same root logger in a second
          // AsyncLocalStorage per request, which every promise of the request then pays for.
          useFactory: (logger: Logger) => ({ pinoHttp: { logger }, useExisting: true, forRoutes: [] }),
        }),
      ],
      providers: [{ provide: BallastMetrics, useFactory: () => new BallastMetrics() }, TracingShutdown],
      exports: [rootLogger, BallastMetrics, LoggerModule],
    };
  }
}
