import { BallastError } from '@ballast/errors';
import { Controller, Get, Header, Param, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PublicRoute } from '../auth';
import { ApiProblemResponses } from '../docs';
import { PlaygroundAssets } from './playground-assets';

/** The page loads nothing from elsewhere and talks only to this origin. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' blob: data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * GET /playground: a static page built from @ballast/client/react. Declared
 * `@PublicRoute()`, so neither the API-key guard nor the rate limit applies;
 * the page's own API calls carry the key the user types.
 */
@ApiTags('playground')
@PublicRoute()
@ApiProblemResponses('NOT_FOUND')
@Controller('playground')
export class PlaygroundController {
  constructor(private readonly assets: PlaygroundAssets) {}

  @Get()
  @ApiOperation({ summary: 'A page to try chat and vision by hand (on in development; in production only with PLAYGROUND=true)' })
  @ApiOkResponse({ description: 'text/html' })
  @Header('Cache-Control', 'no-store')
  @Header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  page(): StreamableFile {
    return this.serve('index.html');
  }

  @Get(':file')
  @ApiOperation({ summary: "The playground page's script and stylesheet (playground.js, playground.css)" })
  @ApiOkResponse({ description: 'text/javascript or text/css' })
  @Header('Cache-Control', 'no-store')
  @Header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  file(@Param('file') file: string): StreamableFile {
    return this.serve(file);
  }

  private serve(name: string): StreamableFile {
    const asset = this.assets.get(name);
    if (!asset) {
      throw new BallastError('NOT_FOUND');
    }
    return new StreamableFile(asset.body, { type: asset.contentType, length: asset.body.length });
  }
}
