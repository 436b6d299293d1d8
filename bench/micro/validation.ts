/**
 * Validation of chat requests, in-process: the global pipe as configured
 * (createValidationPipe: precheck, then the zod schema) and its parts, µs per
 * request, median of rounds, alternated. `--before=DIR` adds the pipe of
 * another build (DIR/src/problems/validation.pipe.js with its own chat DTO,
 * e.g. a copy of an older dist) on the same bodies, in the same run.
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/micro/validation.ts [--n=20000] [--before=/tmp/abv/before]
 */
import 'reflect-metadata';
import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { join } from 'node:path';
import { ChatCompletionRequestDto } from '../../src/chat/dto/chat-completion-request.dto';
import { chatCompletionRequestSchema } from '../../src/chat/dto/chat-completion-request.schema';
import { precheckChatRequest } from '../../src/chat/dto/chat-request.precheck';
import { loadConfig } from '../../src/config/load-config';
import { createValidationPipe } from '../../src/problems/validation.pipe';

type Pipe = Pick<PipeTransform, 'transform'>;

const limits = loadConfig({}).limits;
/** Each body as the pipe gets it from the server: fresh from `JSON.parse` (object literals built by spreads are slower to walk). */
const fromJson = (value: unknown) => {
  const text = JSON.stringify(value);
  return () => JSON.parse(text) as unknown;
};
const small = fromJson({ model: 'chat', messages: [{ role: 'user', content: 'Say hello.' }] });
/** A longer conversation: system prompt, ten turns, a text + image part, a tool, sampling options. */
const larger = fromJson({
  model: 'chat',
  temperature: 0.7,
  max_tokens: 256,
  stream: true,
  stream_options: { include_usage: true },
  tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }],
  messages: [
    { role: 'system', content: 'You are terse.' },
    ...Array.from({ length: 10 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `turn ${i}` })),
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is this?' },
        { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
      ],
    },
  ],
});
/** Two wrong fields: the failure path (a VALIDATION_FAILED built). */
const invalid = fromJson({ model: 'chat', temperature: 9, messages: [{ role: 'wizard', content: 'hi' }] });

function option(name: string): string | undefined {
  return process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
}

function asBody(metatype: unknown): ArgumentMetadata {
  return { type: 'body', metatype: metatype as ArgumentMetadata['metatype'], data: undefined };
}

function pipeVariants(label: string, pipe: Pipe, metatype: unknown): Record<string, () => unknown> {
  const metadata = asBody(metatype);
  const attempt = async (body: unknown) => {
    try {
      return await pipe.transform(body, metadata);
    } catch (error) {
      return error;
    }
  };
  return {
    [`${label}: one-message body`]: () => attempt(small()),
    [`${label}: 12 messages, parts, a tool`]: () => attempt(larger()),
    [`${label}: invalid body (2 errors)`]: () => attempt(invalid()),
  };
}

function variants(): Record<string, () => unknown> {
  const all: Record<string, () => unknown> = {
    ...pipeVariants('pipe as configured', createValidationPipe(limits), ChatCompletionRequestDto),
    'JSON.parse alone: 12 messages (in every row)': () => larger(),
    'zod safeParse alone: 12 messages': () => chatCompletionRequestSchema.safeParse(larger()),
    'precheck alone: 12 messages': () => precheckChatRequest(larger(), limits),
  };
  const before = option('before');
  if (before) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- another build, loaded from where it lies
    const oldPipe = require(join(before, 'src/problems/validation.pipe.js')) as { createValidationPipe: (l: typeof limits) => Pipe };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const oldDto = (require(join(before, 'src/chat/dto/chat-completion-request.dto.js')) as { ChatCompletionRequestDto: unknown })
      .ChatCompletionRequestDto;
    Object.assign(all, pipeVariants(`before (${before})`, oldPipe.createValidationPipe(limits), oldDto));
  }
  return all;
}

async function nsPer(run: () => unknown, n: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    await run();
  }
  return Number(process.hrtime.bigint() - start) / n;
}

async function main(): Promise<void> {
  const n = Number(option('n') ?? 20_000);
  const runs = variants();
  const results = new Map<string, number[]>();
  for (let round = 0; round < 7; round++) {
    for (const [name, run] of Object.entries(runs)) {
      const ns = await nsPer(run, n);
      if (round > 0) {
        results.set(name, [...(results.get(name) ?? []), ns]);
      }
    }
  }
  for (const [name, values] of results) {
    const sorted = [...values].sort((a, b) => a - b);
    process.stdout.write(`${(sorted[Math.floor(sorted.length / 2)] / 1000).toFixed(2).padStart(8)} µs  ${name}\n`);
  }
}

void main();
