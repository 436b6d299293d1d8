import { z } from 'zod';
import { DEFAULT_RESILIENCE } from '@ballast/resilience';

const positiveInt = z.number().int().positive();

const breakerSchema = z
  .object({
    failureRate: z.number().gt(0).max(1).default(DEFAULT_RESILIENCE.breaker.failureRate),
    minCalls: positiveInt.default(DEFAULT_RESILIENCE.breaker.minCalls),
    windowMs: positiveInt.default(DEFAULT_RESILIENCE.breaker.windowMs),
    cooldownMs: positiveInt.default(DEFAULT_RESILIENCE.breaker.cooldownMs),
    halfOpenProbes: positiveInt.default(DEFAULT_RESILIENCE.breaker.halfOpenProbes),
  })
  .strict();

const resilienceSchema = z
  .object({
    retries: z.number().int().min(0).max(10).default(DEFAULT_RESILIENCE.retries),
    backoffBaseMs: z.number().int().min(0).default(DEFAULT_RESILIENCE.backoffBaseMs),
    backoffMaxMs: z.number().int().min(0).default(DEFAULT_RESILIENCE.backoffMaxMs),
    retryBudget: z.number().min(0).max(1).default(DEFAULT_RESILIENCE.retryBudget),
    breaker: breakerSchema.default(() => breakerSchema.parse({})),
    firstChunkTimeoutMs: positiveInt.default(DEFAULT_RESILIENCE.firstChunkTimeoutMs),
    idleTimeoutMs: positiveInt.default(DEFAULT_RESILIENCE.idleTimeoutMs),
  })
  .strict();

const providerCommon = {
  timeoutMs: positiveInt.default(30_000),
  maxConcurrency: positiveInt.default(64),
  /** How many calls may wait for a bulkhead slot before the rest are shed. */
  maxQueue: z.number().int().min(0).default(16),
  resilience: resilienceSchema.default(() => resilienceSchema.parse({})),
};

const openAiProviderSchema = z
  .object({
    type: z.literal('openai'),
    baseUrl: z.url({ protocol: /^https?$/ }),
    apiKey: z.string().optional(),
    ...providerCommon,
  })
  .strict();

const localProviderSchema = z
  .object({
    type: z.literal('local'),
    ...providerCommon,
  })
  .strict();

const providerSchema = z.discriminatedUnion('type', [openAiProviderSchema, localProviderSchema]);

const publicModelName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, 'model names are 1-128 characters of letters, digits and . _ : / -');

const routeEntrySchema = z
  .object({
    provider: z.string().min(1),
    model: z.string().min(1),
    contextWindow: positiveInt.optional(),
    /** The entry can continue a partial assistant answer (continuation fallback, contract section 4). */
    prefill: z.boolean().default(false),
  })
  .strict();

export const modelsFileSchema = z
  .object({
    providers: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'provider ids are 1-64 letters, digits, _ or -'), providerSchema),
    models: z.record(
      publicModelName,
      z
        .object({
          route: z.array(routeEntrySchema).min(1),
          /** Streams of this model are resumable without the X-Ballast-Resumable header. */
          resumable: z.boolean().default(false),
          /** A stream that fails after its first chunk goes on at the next `prefill: true` entry. */
          continueOnFailure: z.boolean().default(false),
        })
        .strict(),
    ),
  })
  .strict()
  .superRefine((file, ctx) => {
    for (const [name, model] of Object.entries(file.models)) {
      model.route.forEach((entry, index) => {
        if (!file.providers[entry.provider]) {
          ctx.addIssue({
            code: 'custom',
            path: ['models', name, 'route', index, 'provider'],
            message: `unknown provider "${entry.provider}" (defined: ${Object.keys(file.providers).join(', ') || 'none'})`,
          });
        }
      });
    }
  });

export type ModelsConfig = z.output<typeof modelsFileSchema>;
export type ProviderConfig = ModelsConfig['providers'][string];
export type OpenAiProviderConfig = Extract<ProviderConfig, { type: 'openai' }>;
export type LocalProviderConfig = Extract<ProviderConfig, { type: 'local' }>;
export type RouteEntryConfig = ModelsConfig['models'][string]['route'][number];
export type ProviderType = ProviderConfig['type'];

/** What `npm start` serves with no models file: embedded OCR, no network. */
export const EMBEDDED_MODELS: z.input<typeof modelsFileSchema> = {
  providers: { local: { type: 'local' } },
  models: { ocr: { route: [{ provider: 'local', model: 'ocr' }] } },
};
