import { z } from 'zod';
import { BALANCING_STRATEGIES, DEFAULT_RESILIENCE } from '@ballast/resilience';

const positiveInt = z.number().int().positive();

const breakerSchema = z
  .object({
    failureRate: z.number().gt(0).max(1).default(DEFAULT_RESILIENCE.breaker.failureRate),
    minCalls: positiveInt.default(DEFAULT_RESILIENCE.breaker.minCalls),
    windowMs: positiveInt.default(DEFAULT_RESILIENCE.breaker.windowMs),
    cooldownMs: positiveInt.default(DEFAULT_RESILIENCE.breaker.cooldownMs),
    // One half-open probe at a time is what the breaker does; 1 is accepted (the contract's example shows it), any other value is refused.
    halfOpenProbes: z.literal(1, { error: 'only 1: the breaker lets one half-open probe through at a time' }).optional(),
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
    adaptiveConcurrency: z.boolean().default(DEFAULT_RESILIENCE.adaptiveConcurrency),
  })
  .strict();

const providerCommon = {
  timeoutMs: positiveInt.default(30_000),
  maxConcurrency: positiveInt.default(64),
  /** How many calls may wait for a bulkhead slot before the rest are shed. */
  maxQueue: z.number().int().min(0).default(16),
  resilience: resilienceSchema.default(() => resilienceSchema.parse({})),
};

/** How much of what an upstream sends Ballast reads: no answer, error or event can cost more than these. */
const upstreamLimitsSchema = z
  .object({
    /** A non-streamed answer past this is refused as UPSTREAM_BAD_RESPONSE; reading stops and the connection is closed. */
    maxAnswerBytes: positiveInt.default(8 * 1024 * 1024),
    /** Only this prefix of an error body is read (enough for any real error message). */
    maxErrorBodyBytes: positiveInt.default(16 * 1024),
    /** One SSE line or event longer than this many characters ends the stream as UPSTREAM_BAD_RESPONSE. */
    maxEventChars: positiveInt.default(1024 * 1024),
    /** Events that are not JSON are skipped, up to this many per stream; one more ends it as UPSTREAM_BAD_RESPONSE. */
    maxBadEvents: z.number().int().min(0).default(3),
    /** An upstream Retry-After above this is clamped to it. */
    maxRetryAfterSeconds: positiveInt.default(60),
  })
  .strict();

const openAiProviderSchema = z
  .object({
    type: z.literal('openai'),
    baseUrl: z.url({ protocol: /^https?$/ }),
    apiKey: z.string().optional(),
    limits: upstreamLimitsSchema.default(() => upstreamLimitsSchema.parse({})),
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

export const POOL_STRATEGIES = BALANCING_STRATEGIES;
const MAX_POOL_ENTRIES = 16;

const poolEntrySchema = routeEntrySchema.extend({ weight: z.number().positive().max(1000).optional() }).strict();

const poolStepSchema = z
  .object({
    pool: z
      .object({
        strategy: z.enum(POOL_STRATEGIES),
        entries: z
          .array(poolEntrySchema)
          .min(2, 'a pool needs at least two entries (one entry is a plain route step)')
          .max(MAX_POOL_ENTRIES, `a pool has at most ${MAX_POOL_ENTRIES} entries`),
      })
      .strict()
      .superRefine((pool, ctx) => {
        const seen = new Set<string>();
        pool.entries.forEach((entry, index) => {
          const key = `${entry.provider}/${entry.model}`;
          if (seen.has(key)) {
            ctx.addIssue({ code: 'custom', path: ['entries', index], message: `${key} is listed twice in this pool` });
          }
          seen.add(key);
          if (entry.weight !== undefined && pool.strategy !== 'weighted') {
            ctx.addIssue({
              code: 'custom',
              path: ['entries', index, 'weight'],
              message: `weight only applies to strategy "weighted", not "${pool.strategy}"`,
            });
          }
        });
      }),
  })
  .strict();

type RouteStepInput = z.input<typeof routeEntrySchema> | z.input<typeof poolStepSchema>;

/**
 * One entry or a pool, told apart by the `pool` key rather than by a z.union,
 * whose failure says only "Invalid input": this way a bad step gets the
 * messages of the shape it was meant to have.
 */
const routeStepSchema = z.custom<RouteStepInput>().transform((value, ctx) => {
  const isPool = typeof value === 'object' && value !== null && 'pool' in value;
  const result = isPool ? poolStepSchema.safeParse(value) : routeEntrySchema.safeParse(value);
  if (!result.success) {
    result.error.issues.forEach((issue) => ctx.addIssue({ ...issue } as Parameters<typeof ctx.addIssue>[0]));
    return z.NEVER;
  }
  return result.data;
});

const hedgeSchema = z
  .object({
    /** Fixed: hedge when the first call has not answered (or sent its first chunk) after this long. */
    afterMs: positiveInt.optional(),
    /** Adaptive: hedge after the pool's recent time-to-answer at this percentile. */
    percentile: z.number().min(50).max(99.9).optional(),
    /** Hedges at most this fraction of calls over a sliding window. */
    maxExtraRatio: z.number().gt(0).max(1).default(0.1),
  })
  .strict()
  .refine((hedge) => (hedge.afterMs === undefined) !== (hedge.percentile === undefined), {
    message: 'hedge takes exactly one of afterMs (fixed delay) or percentile (adaptive delay)',
    abort: true,
  })
  // Out as one of the two shapes, so it is a HedgeSettings of @ballast/resilience as it stands.
  .transform(({ afterMs, percentile, maxExtraRatio }) =>
    afterMs !== undefined ? { afterMs, maxExtraRatio } : { percentile: percentile!, maxExtraRatio },
  );

const modelSchema = z
  .object({
    route: z.array(routeStepSchema).min(1),
    hedge: hedgeSchema.optional(),
    /** Streams of this model are resumable without the X-Ballast-Resumable header. */
    resumable: z.boolean().default(false),
    /** A stream that fails after its first chunk goes on at the next `prefill: true` entry. */
    continueOnFailure: z.boolean().default(false),
    /** A content-policy refusal (CONTENT_REJECTED) falls through to the next step instead of answering the client. */
    fallbackOnContentRejected: z.boolean().default(false),
  })
  .strict()
  .transform(({ route, ...rest }) => ({
    ...rest,
    /** The route as written: each step one entry or a pool. */
    steps: route,
    /** Every entry in route order, pool members in place of their pool (health, probes, context checks). */
    route: route.flatMap((step) => ('pool' in step ? step.pool.entries : [step])),
  }));

export const modelsFileSchema = z
  .object({
    providers: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'provider ids are 1-64 letters, digits, _ or -'), providerSchema),
    models: z.record(publicModelName, modelSchema),
  })
  .strict()
  .superRefine((file, ctx) => {
    for (const [name, model] of Object.entries(file.models)) {
      model.steps.forEach((step, index) => {
        const located =
          'pool' in step
            ? step.pool.entries.map((entry, member) => ({ entry, at: [index, 'pool', 'entries', member] }))
            : [{ entry: step, at: [index] }];
        for (const { entry, at } of located) {
          if (!file.providers[entry.provider]) {
            ctx.addIssue({
              code: 'custom',
              path: ['models', name, 'route', ...at, 'provider'],
              message: `unknown provider "${entry.provider}" (defined: ${Object.keys(file.providers).join(', ') || 'none'})`,
            });
          }
        }
      });
      if (model.hedge && !model.steps.some((step) => 'pool' in step)) {
        ctx.addIssue({
          code: 'custom',
          path: ['models', name, 'hedge'],
          message: 'hedge needs a pool step in the route: the second call goes to another member of the pool',
        });
      }
    }
  });

export type ModelsConfig = z.output<typeof modelsFileSchema>;
export type ProviderConfig = ModelsConfig['providers'][string];
export type OpenAiProviderConfig = Extract<ProviderConfig, { type: 'openai' }>;
export type UpstreamLimits = OpenAiProviderConfig['limits'];
export type LocalProviderConfig = Extract<ProviderConfig, { type: 'local' }>;
export type ModelConfig = ModelsConfig['models'][string];
export type RouteEntryConfig = z.output<typeof routeEntrySchema>;
export type RouteStepConfig = ModelConfig['steps'][number];
export type PoolStepConfig = Extract<RouteStepConfig, { pool: unknown }>;
export type PoolConfig = PoolStepConfig['pool'];
export type PoolEntryConfig = PoolConfig['entries'][number];
export type PoolStrategy = (typeof POOL_STRATEGIES)[number];
export type HedgeConfig = NonNullable<ModelConfig['hedge']>;
export type ProviderType = ProviderConfig['type'];

/** What `npm start` serves with no models file: embedded OCR, no network. */
export const EMBEDDED_MODELS: z.input<typeof modelsFileSchema> = {
  providers: { local: { type: 'local' } },
  models: { ocr: { route: [{ provider: 'local', model: 'ocr' }] } },
};
