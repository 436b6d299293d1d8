/**
 * Validation of one chat request, in-process: the global pipe as configured
 * (createValidationPipe) against the same class-validator rules driven with
 * fewer walks of the body. ns per request, median of rounds, alternated.
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/micro/validation.ts
 */
import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, validateSync } from 'class-validator';
import { z } from 'zod';
import { ChatCompletionRequestDto } from '../../src/chat/dto/chat-completion-request.dto';
import { loadConfig } from '../../src/config/load-config';
import { createValidationPipe } from '../../src/problems/validation.pipe';

const body = () => ({ model: 'chat', messages: [{ role: 'user', content: 'Say hello.' }] });
const metadata = { type: 'body' as const, metatype: ChatCompletionRequestDto, data: undefined };

const variants: Record<string, () => Promise<unknown>> = {
  'pipe as configured': () => createdPipe.transform(body(), metadata),
  "nest's ValidationPipe, defaults + transform": () => plainPipe.transform(body(), metadata),
  'subclass: no binary walk, no gap walk': () => leanPipe.transform(body(), metadata),
  'zod schema (rough mirror)': () => Promise.resolve(zodSchema.parse(body())),
  'plainToInstance only': () => Promise.resolve(plainToInstance(ChatCompletionRequestDto, body())),
  'plainToInstance + validate': async () => {
    const dto = plainToInstance(ChatCompletionRequestDto, body());
    await validate(dto, { validationError: { target: false, value: false } });
    return dto;
  },
  'plainToInstance + validateSync': () => {
    const dto = plainToInstance(ChatCompletionRequestDto, body());
    validateSync(dto, { validationError: { target: false, value: false } });
    return Promise.resolve(dto);
  },
};
class LeanPipe extends ValidationPipe {
  protected override findNestedBinaryValues(): never[] {
    return [];
  }
  protected override closeArrayGaps(): void {}
}
const leanPipe = new LeanPipe({ transform: true, validationError: { target: false, value: false } });
// The default limits, as a server started with no settings has them.
const createdPipe = createValidationPipe(loadConfig({}).limits);
// A rough zod mirror of the rules this body meets (not every rule of the DTO): the order of magnitude of a compiled schema.
const message = z
  .object({ role: z.enum(['system', 'user', 'assistant', 'tool', 'developer']), content: z.string().max(1_000_000) })
  .loose();
const zodSchema = z
  .object({
    model: z.string().min(1).max(128),
    messages: z.array(message).min(1).max(2048),
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().min(0).max(1).optional(),
    max_tokens: z.int().min(1).max(1_000_000).optional(),
    stream: z.boolean().optional(),
    user: z.string().max(256).optional(),
  })
  .loose();
const plainPipe = new ValidationPipe({ transform: true });

async function nsPer(run: () => Promise<unknown>, n: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    await run();
  }
  return Number(process.hrtime.bigint() - start) / n;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 20_000);
  const results = new Map<string, number[]>();
  for (let round = 0; round < 7; round++) {
    for (const [name, run] of Object.entries(variants)) {
      const ns = await nsPer(run, n);
      if (round > 0) {
        results.set(name, [...(results.get(name) ?? []), ns]);
      }
    }
  }
  for (const [name, values] of results) {
    const sorted = [...values].sort((a, b) => a - b);
    process.stdout.write(`${(sorted[Math.floor(sorted.length / 2)] / 1000).toFixed(1).padStart(7)} µs  ${name}\n`);
  }
}

void main();
