import type { ErrorBody } from './error-body';

/** What an upstream said about a prompt that does not fit: the entry's window and what the request needed, when it said so. */
export interface ContextLengthInfo {
  maxTokens?: number;
  requestedTokens?: number;
}

const CODES = new Set(['context_length_exceeded', 'exceed_context_size_error', 'contextwindowexceedederror']);

/** The wordings of OpenAI, vLLM (old and new), SGLang, TGI, llama.cpp, llama-cpp-python (Xinference), Ollama, Mistral and Anthropic-style gateways. */
const WORDING =
  /context[ _-]?(?:length|window|size)|maximum model length|too many (?:input )?tokens|(?:prompt|input) is too long|too long to fit|too large for model|exceeds? (?:the )?(?:available |maximum )?context|max_tokens must be at least 1, got -|tokens \+ `max_new_tokens` must be/i;

type Reader = (match: RegExpMatchArray) => ContextLengthInfo;
const n = (value: string | undefined) => (value === undefined ? undefined : Number(value));
const sum = (...values: (string | undefined)[]) => values.reduce((total, value) => total + (n(value) ?? 0), 0);

/** Specific wordings first: each names both numbers. */
const NUMBERS: Array<[RegExp, Reader]> = [
  // vLLM: "'max_tokens' … is too large: 1000. This model's maximum context length is 4096 tokens and your request has 3500 input tokens"
  [
    /too large: (\d+)\.? .*?maximum context length is (\d+) tokens? and your request has (\d+) input tokens/i,
    (m) => ({ maxTokens: n(m[2]), requestedTokens: sum(m[1], m[3]) }),
  ],
  // OpenAI and vLLM: "maximum context length is 4096 tokens. However, you requested 5000 tokens" / "your messages resulted in 5000 tokens" / "your request has 8 input tokens plus 2045 'max_tokens'"
  [
    /maximum context length is (\d+) tokens?[.,;]? *(?:however,? *)?(?:you requested (?:about |over )?(\d+)|your messages resulted in (?:over )?(\d+)|your request has (\d+) input tokens?(?: plus (\d+))?)/i,
    (m) => ({ maxTokens: n(m[1]), requestedTokens: m[2] ? n(m[2]) : m[3] ? n(m[3]) : sum(m[4], m[5]) }),
  ],
  // llama-cpp-python (Xinference's GGUF backend): "Requested tokens (2138) exceed context window of 2048"
  [/requested tokens \((\d+)\) exceed context window of (\d+)/i, (m) => ({ requestedTokens: n(m[1]), maxTokens: n(m[2]) })],
  // vLLM: "The decoder prompt (length 5000) is longer than the maximum model length of 4096", "The prompt (total length 25938) is too long to fit into the model (context length 4096)"
  [
    /prompt \((?:total )?length (\d+)\) is (?:longer than the maximum model length of|too long to fit into the model \(context length) (\d+)/i,
    (m) => ({ requestedTokens: n(m[1]), maxTokens: n(m[2]) }),
  ],
  // vLLM "Input prompt (5000 tokens) is too long and exceeds limit of 4096"; SGLang "The input (5000 tokens) is longer than the model's context length (4096 tokens)"
  [
    /input(?: prompt)? \((\d+) tokens\) is (?:too long and exceeds limit of|longer than the model's context length \() ?(\d+)/i,
    (m) => ({ requestedTokens: n(m[1]), maxTokens: n(m[2]) }),
  ],
  // TGI: "`inputs` tokens + `max_new_tokens` must be <= 4096. Given: 5000 `inputs` tokens and 100 `max_new_tokens`"
  [
    /must be <= (\d+)\. Given: (\d+) `inputs` tokens and (\d+) `max_new_tokens`/i,
    (m) => ({ maxTokens: n(m[1]), requestedTokens: sum(m[2], m[3]) }),
  ],
  // Anthropic-style: "prompt is too long: 210000 tokens > 200000 maximum"; Mistral: "Prompt contains 40000 tokens … too large for model with 32768 maximum context length"
  [/too long: (\d+) tokens > (\d+) maximum/i, (m) => ({ requestedTokens: n(m[1]), maxTokens: n(m[2]) })],
  [
    /prompt contains (\d+) tokens.*?too large for model with (\d+) maximum context length/i,
    (m) => ({ requestedTokens: n(m[1]), maxTokens: n(m[2]) }),
  ],
  // Only the window: "maximum context length is 4096", "context length of 4096"
  [/(?:maximum context length|context (?:length|window|size)) (?:is |of )?(\d+)/i, (m) => ({ maxTokens: n(m[1]) })],
];

/** A count an upstream could honestly mean: a positive integer below a billion. */
function plausible(value: unknown): number | undefined {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isInteger(number) && number > 0 && number < 1e9 ? number : undefined;
}

function numbersOf(body: ErrorBody): ContextLengthInfo {
  // llama.cpp says it in fields: {"type": "exceed_context_size_error", "n_prompt_tokens": 1407, "n_ctx": 256}
  const fromFields = { maxTokens: plausible(body.fields.n_ctx), requestedTokens: plausible(body.fields.n_prompt_tokens) };
  if (fromFields.maxTokens !== undefined || fromFields.requestedTokens !== undefined) {
    return fromFields;
  }
  for (const [pattern, read] of NUMBERS) {
    const match = body.message.match(pattern);
    if (match) {
      const info = read(match);
      return { maxTokens: plausible(info.maxTokens), requestedTokens: plausible(info.requestedTokens) };
    }
  }
  return {};
}

/**
 * Whether an upstream error says the prompt does not fit the model's
 * context, and with which numbers. A machine code counts at any error
 * status (llama.cpp once sent its context error as a 500); a wording only on
 * a 4xx, where the request, not the server, is at fault.
 */
export function contextLengthOf(status: number, body: ErrorBody): ContextLengthInfo | undefined {
  const coded = body.codes.some((code) => CODES.has(code));
  if (!coded && !(status >= 400 && status < 500 && WORDING.test(body.message))) {
    return undefined;
  }
  return numbersOf(body);
}

/** The client's detail: what does not fit, with the numbers when the upstream gave them. */
export function contextLengthDetail(info: ContextLengthInfo): string | undefined {
  const { maxTokens, requestedTokens } = info;
  const fix = 'Shorten the messages or lower max_tokens.';
  if (maxTokens !== undefined && requestedTokens !== undefined) {
    return `The prompt and the requested completion need ${requestedTokens} tokens; this model accepts at most ${maxTokens}. ${fix}`;
  }
  if (maxTokens !== undefined) {
    return `The prompt and the requested completion do not fit this model's context window of ${maxTokens} tokens. ${fix}`;
  }
  if (requestedTokens !== undefined) {
    return `The prompt and the requested completion need ${requestedTokens} tokens, more than this model accepts. ${fix}`;
  }
  return undefined;
}
