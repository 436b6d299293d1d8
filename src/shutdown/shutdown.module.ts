import { Global, Module } from '@nestjs/common';
import { ShutdownCoordinator } from './shutdown.coordinator';

/** Global so streaming handlers can inject ShutdownCoordinator to register their streams. */
@Global()
@Module({ providers: [ShutdownCoordinator], exports: [ShutdownCoordinator] })
export class ShutdownModule {}
