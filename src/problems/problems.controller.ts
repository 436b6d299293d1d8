import { BallastError, ERROR_CATALOG, codeFromSlug, problemType } from '@ballast/errors';
import { Controller, Get, Header, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PublicRoute } from '../auth';
import { ApiProblemResponses } from '../docs';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** `type` URIs of problems resolve to a short page for humans. */
@ApiTags('problems')
@PublicRoute()
@Controller('problems')
export class ProblemsController {
  @Get(':slug')
  @ApiOperation({ summary: 'A short human page for a problem type (the `type` of every error body)' })
  @ApiOkResponse({ description: 'text/html' })
  @ApiProblemResponses('NOT_FOUND')
  @Header('Content-Type', 'text/html; charset=utf-8')
  describe(@Param('slug') slug: string): string {
    const code = codeFromSlug(slug);
    if (!code) {
      throw new BallastError('NOT_FOUND', { detail: 'There is no problem type with this name.' });
    }
    const definition = ERROR_CATALOG[code];
    return [
      '<!doctype html><html><head><meta charset="utf-8">',
      `<title>${escapeHtml(definition.title)}</title></head><body>`,
      `<h1>${escapeHtml(definition.title)}</h1>`,
      `<p><code>${code}</code> &middot; HTTP ${definition.status} &middot; type <code>${problemType(code)}</code></p>`,
      `<p>${escapeHtml(definition.detail)}</p>`,
      `<p>${definition.retryable ? 'Retryable: wait (see Retry-After when present) and send the same request again.' : 'Not retryable: change the request before sending it again.'}</p>`,
      '</body></html>',
    ].join('\n');
  }
}
