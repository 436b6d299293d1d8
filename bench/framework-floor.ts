/**
 * The framework floor: what any NestJS 11 + Express gateway costs before it
 * does anything of its own. One controller, `@Body()` in (Nest's JSON body
 * parser), one keep-alive undici Agent `request()` out to the upstream, the
 * parsed JSON returned; no validation, guards, logs or metrics, Nest's
 * logger off. A `stream: true` body is answered the way Nest streams: the
 * upstream's SSE body returned as a StreamableFile, piped to the client as
 * it arrives, its events neither parsed nor checked. Ballast / floor in the
 * same run is the share of the cost that is Ballast's. UPSTREAM=origin,
 * PORT, HOST.
 * FLOOR picks a variant, to tell the framework's share from Ballast's (`bench/ab.ts`):
 *   express      the floor above (the default; the definition);
 *   express-raw  the same (non-streaming chat only), answering as Ballast does: ETag off, the upstream's
 *                text parsed (as Ballast reads usage) and sent with `res.end`;
 *   fastify      the floor's controller on Nest's Fastify adapter.
 */
import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, INestApplication, Module, Post, Res, StreamableFile } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Agent } from 'undici';
import type { FloorVariant } from './support/children';

const upstream = process.env.UPSTREAM ?? 'http://127.0.0.1:9000';
const agent = new Agent({ keepAliveTimeout: 4000, headersTimeout: 0, bodyTimeout: 0 });

function send(method: 'GET' | 'POST', path: string, body?: unknown) {
  return agent.request({
    origin: upstream,
    path,
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function forward(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  return (await send(method, path, body)).body.json();
}

async function streamed(path: string, body: unknown): Promise<StreamableFile> {
  return new StreamableFile((await send('POST', path, body)).body, { type: 'text/event-stream' });
}

@Controller('v1')
class FloorController {
  @Post('chat/completions')
  @HttpCode(200)
  complete(@Body() body: { stream?: unknown }): Promise<unknown> {
    return body.stream === true ? streamed('/v1/chat/completions', body) : forward('POST', '/v1/chat/completions', body);
  }
}

/** The same route, the answer written as Ballast writes it. */
@Controller('v1')
class RawFloorController {
  @Post('chat/completions')
  async complete(@Body() body: unknown, @Res() res: ServerResponse): Promise<void> {
    const text = await (await send('POST', '/v1/chat/completions', body)).body.text();
    JSON.parse(text);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}

/** What the bench waits on before it starts: every variant's. */
@Controller('v1')
class ModelsController {
  @Get('models')
  models(): Promise<unknown> {
    return forward('GET', '/v1/models');
  }
}

@Module({ controllers: [FloorController, ModelsController] })
class FloorModule {}

@Module({ controllers: [RawFloorController, ModelsController] })
class RawFloorModule {}

async function main(): Promise<void> {
  const variant = (process.env.FLOOR ?? 'express') as FloorVariant;
  if (variant === 'fastify') {
    const app = await NestFactory.create(FloorModule, new FastifyAdapter(), { logger: false });
    await serve(app);
  } else if (variant === 'express-raw') {
    const app = await NestFactory.create<NestExpressApplication>(RawFloorModule, new ExpressAdapter(), { logger: false });
    app.set('etag', false);
    await serve(app);
  } else if (variant === 'express') {
    await serve(await NestFactory.create(FloorModule, new ExpressAdapter(), { logger: false }));
  } else {
    throw new Error(`FLOOR is express, express-raw or fastify, not ${String(variant)}`);
  }
}

async function serve(app: INestApplication): Promise<void> {
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
