import { contextLengthDetail, contextLengthOf as sut } from './context-length';
import { errorBodyOf } from './error-body';

const body = (value: unknown) => errorBodyOf({ text: typeof value === 'string' ? value : JSON.stringify(value), cut: false });

/** Bodies as the servers send them (wordings from their issue trackers). */
const REAL: Array<[string, unknown, number | undefined, number | undefined]> = [
  [
    'OpenAI',
    {
      error: {
        message:
          "This model's maximum context length is 128000 tokens. However, your messages resulted in 130511 tokens. Please reduce the length of the messages.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
      },
    },
    128000,
    130511,
  ],
  [
    'vLLM (flat, older)',
    {
      object: 'error',
      message:
        "This model's maximum context length is 6048 tokens. However, you requested 6616 tokens (568 in the messages, 6048 in the completion). Please reduce the length of the messages or completion.",
      type: 'BadRequestError',
      param: null,
      code: 400,
    },
    6048,
    6616,
  ],
  [
    'vLLM (input plus max_tokens)',
    {
      error: {
        message:
          "This model's maximum context length is 2048 tokens. However, your request has 8 input tokens plus 2045 'max_tokens'. Please reduce one or the other. (parameter=input_tokens, max_tokens, value=(8, 2045))",
        type: 'BadRequestError',
        param: 'input_tokens, max_tokens',
        code: 400,
      },
    },
    2048,
    2053,
  ],
  [
    'vLLM (max_tokens too large)',
    {
      error: {
        message:
          "'max_tokens' or 'max_completion_tokens' is too large: 1000. This model's maximum context length is 4096 tokens and your request has 3500 input tokens (1000 > 4096 - 3500).",
        type: 'BadRequestError',
        code: 400,
      },
    },
    4096,
    4500,
  ],
  [
    'vLLM (decoder prompt)',
    { error: { message: 'The decoder prompt (length 5000) is longer than the maximum model length of 4096.', code: 400 } },
    4096,
    5000,
  ],
  [
    'vLLM (multimodal prompt)',
    {
      error: {
        message:
          'The prompt (total length 25938) is too long to fit into the model (context length 4096). Make sure that `max_model_len` is no smaller than the number of text tokens plus multimodal tokens.',
      },
    },
    4096,
    25938,
  ],
  [
    'llama.cpp server',
    {
      error: {
        code: 400,
        message: 'the request exceeds the available context size, try increasing it',
        type: 'exceed_context_size_error',
        n_prompt_tokens: 14429,
        n_ctx: 8192,
      },
    },
    8192,
    14429,
  ],
  ['Xinference (llama-cpp-python)', { detail: 'Requested tokens (2138) exceed context window of 2048' }, 2048, 2138],
  ['SGLang', { error: { message: "The input (5000 tokens) is longer than the model's context length (4096 tokens)." } }, 4096, 5000],
  ['Ollama', { error: 'input length exceeds maximum context length' }, undefined, undefined],
  [
    'TGI',
    {
      error:
        'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 5000 `inputs` tokens and 100 `max_new_tokens`',
      error_type: 'validation',
    },
    4096,
    5100,
  ],
  ['vLLM (negative max_tokens)', { object: 'error', message: 'max_tokens must be at least 1, got -186.', code: 400 }, undefined, undefined],
  ['an Anthropic-style gateway', { error: { message: 'prompt is too long: 210000 tokens > 200000 maximum' } }, 200000, 210000],
];

describe('contextLengthOf', () => {
  it.each(REAL)('recognises %s and reads its numbers', (_name, value, maxTokens, requestedTokens) => {
    expect(sut(400, body(value))).toEqual({ ...(maxTokens && { maxTokens }), ...(requestedTokens && { requestedTokens }) });
  });

  it('trusts a machine code at any error status, a wording only on a 4xx', () => {
    const llamaCpp = {
      error: { code: 500, message: 'the request exceeds the available context size', type: 'exceed_context_size_error', n_ctx: 256 },
    };
    expect(sut(500, body(llamaCpp))).toEqual({ maxTokens: 256 });
    expect(sut(500, body({ error: { message: 'maximum context length is 4096 tokens' } }))).toBeUndefined();
  });

  it('leaves other 400s alone', () => {
    expect(sut(400, body({ error: { message: "Invalid value for 'temperature': must be <= 2", code: 'invalid_value' } }))).toBeUndefined();
    expect(sut(400, body({ error: { message: 'max_tokens must be at least 1, got 0.' } }))).toBeUndefined();
  });

  it('reads the wording in a body cut at the read limit', () => {
    const cut = errorBodyOf({
      text: `{"error":{"message":"This model's maximum context length is 4096 tokens. However, you requested 9000 tokens ${'x'.repeat(100)}`,
      cut: true,
    });
    expect(sut(400, cut)).toEqual({ maxTokens: 4096, requestedTokens: 9000 });
  });

  it('drops numbers no model could mean', () => {
    expect(sut(400, body({ error: { message: 'maximum context length is 99999999999 tokens', code: 'context_length_exceeded' } }))).toEqual(
      {},
    );
  });
});

describe('contextLengthDetail', () => {
  it('says the numbers it has, and nothing when it has none', () => {
    expect(contextLengthDetail({ maxTokens: 4096, requestedTokens: 5000 })).toBe(
      'The prompt and the requested completion need 5000 tokens; this model accepts at most 4096. Shorten the messages or lower max_tokens.',
    );
    expect(contextLengthDetail({ maxTokens: 4096 })).toContain('context window of 4096 tokens');
    expect(contextLengthDetail({ requestedTokens: 5000 })).toContain('need 5000 tokens');
    expect(contextLengthDetail({})).toBeUndefined();
  });
});
