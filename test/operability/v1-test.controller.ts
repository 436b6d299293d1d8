import { Controller, Get, Post } from '@nestjs/common';
import { PublicRoute } from '../../src/auth';

/** A stand-in /v1 route for suites that run before (or without) the real API routes. */
@Controller('v1/__test')
export class V1TestController {
  @Get('ping')
  ping(): { ok: true } {
    return { ok: true };
  }

  @Post('ping')
  postPing(): { ok: true } {
    return { ok: true };
  }
}

/** A non-API route: never authenticated, never rate limited. */
@PublicRoute()
@Controller('__test')
export class NonApiTestController {
  @Get('ping')
  ping(): { ok: true } {
    return { ok: true };
  }
}
