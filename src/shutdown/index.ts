export { exitGracefullyOnSignals } from './exit-on-signals';
export { ShutdownModule } from './shutdown.module';
export { ShutdownCoordinator, SHUTTING_DOWN_RETRY_AFTER_SECONDS } from './shutdown.coordinator';
export type { DrainReport, DrainableStream } from './shutdown.coordinator';
