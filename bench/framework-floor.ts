/**
 * The framework floor: what any NestJS 11 + Express gateway costs before it
 * does anything of its own. One controller, `@Body()` in (Nest's JSON body
 * parser), one keep-alive undici Agent `request()` out to the upstream, the
 * parsed JSON returned; no validation, guards, logs or metrics, Nest's
 * logger off. Ballast / floor in the same run is the share of the cost that
 * is Ballast's. UPSTREAM=origin, PORT, HOST.
 */
import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Agent } from 'undici';

const upstream = process.env.UPSTREAM ?? 'http://127.0.0.1:9000';
const agent = new Agent({ keepAliveTimeout: 4000, headersTimeout: 0, bodyTimeout: 0 });

async function forward(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const answer = await agent.request({
    origin: upstream,
    path,
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return answer.body.json();
}

@Controller('v1')
class FloorController {
  @Post('chat/completions')
  @HttpCode(200)
  complete(@Body() body: unknown): Promise<unknown> {
    return forward('POST', '/v1/chat/completions', body);
  }

  @Get('models')
  models(): Promise<unknown> {
    return forward('GET', '/v1/models');
  }
}

@Module({ controllers: [FloorController] })
class FloorModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(FloorModule, { logger: false });
  // A normal exit, not death by the signal: --cpu-prof writes its profile only then (bench/profile.ts).
  process.once('SIGTERM', () => {
    void app
      .close()
      .then(() => agent.close())
      .then(() => process.exit(0));
  });
  await app.listen(Number(process.env.PORT ?? 8082), process.env.HOST ?? '127.0.0.1');
}

void main();
