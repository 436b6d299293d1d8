import { Module } from '@nestjs/common';
import { PlaygroundAssets } from './playground-assets';
import { PlaygroundController } from './playground.controller';

/** /playground (on in development; in production with PLAYGROUND=true; otherwise every path under it is 404). */
@Module({ controllers: [PlaygroundController], providers: [PlaygroundAssets] })
export class PlaygroundModule {}
