/** Bodies of the faults that test how Ballast reads upstream errors and answers: real wordings, and bodies of any size. */
import type { ServerResponse } from 'node:http';

/** Whose context-length error to imitate (each as that server words it). */
export const CONTEXT_WORDINGS = ['openai', 'vllm', 'vllm-flat', 'llama-cpp', 'xinference', 'sglang', 'ollama'] as const;
export type ContextWording = (typeof CONTEXT_WORDINGS)[number];

export const POLICY_WORDINGS = ['openai', 'azure'] as const;
export type PolicyWording = (typeof POLICY_WORDINGS)[number];

/** A 400 body saying the prompt does not fit: `max` is the model's window, `requested` what the request needed. */
export function contextLengthBody(wording: ContextWording, max: number, requested: number): object {
  switch (wording) {
    case 'openai':
      return {
        error: {
          message: `This model's maximum context length is ${max} tokens. However, your messages resulted in ${requested} tokens. Please reduce the length of the messages.`,
          type: 'invalid_request_error',
          param: 'messages',
          code: 'context_length_exceeded',
        },
      };
    case 'vllm':
      return {
        error: {
          message: `This model's maximum context length is ${max} tokens. However, you requested ${requested} tokens (${requested - 16} in the messages, 16 in the completion). Please reduce the length of the messages or completion.`,
          type: 'BadRequestError',
          param: null,
          code: 400,
        },
      };
    case 'vllm-flat':
      return {
        object: 'error',
        message: `The decoder prompt (length ${requested}) is longer than the maximum model length of ${max}.`,
        type: 'BadRequestError',
        param: null,
        code: 400,
      };
    case 'llama-cpp':
      return {
        error: {
          code: 400,
          message: 'the request exceeds the available context size, try increasing it',
          type: 'exceed_context_size_error',
          n_prompt_tokens: requested,
          n_ctx: max,
        },
      };
    case 'xinference':
      return { detail: `Requested tokens (${requested}) exceed context window of ${max}` };
    case 'sglang':
      return {
        object: 'error',
        message: `The input (${requested} tokens) is longer than the model's context length (${max} tokens).`,
        type: 'BadRequestError',
        code: 400,
      };
    case 'ollama':
      return { error: { message: 'input length exceeds maximum context length', type: 'api_error', param: null, code: null } };
  }
}

/** A 400 body refusing the request by content policy, as OpenAI or Azure OpenAI word it. */
export function contentPolicyBody(wording: PolicyWording): object {
  if (wording === 'openai') {
    return {
      error: {
        message:
          'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.',
        type: 'invalid_request_error',
        param: null,
        code: 'content_policy_violation',
      },
    };
  }
  return {
    error: {
      message:
        "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
      type: null,
      param: 'prompt',
      code: 'content_filter',
      status: 400,
      innererror: {
        code: 'ResponsibleAIPolicyViolation',
        content_filter_result: {
          hate: { filtered: false, severity: 'safe' },
          self_harm: { filtered: false, severity: 'safe' },
          sexual: { filtered: false, severity: 'safe' },
          violence: { filtered: true, severity: 'medium' },
        },
      },
    },
  };
}

const FILL = Buffer.alloc(64 * 1024, 'x');

/**
 * Writes `head`, then `bytes` of filler, then `tail`, honouring backpressure,
 * without ever holding more than 64 KB: stops as soon as the client closes.
 * Resolves with the filler bytes written.
 */
export function pour(res: ServerResponse, head: string, bytes: number, tail = ''): Promise<number> {
  let written = 0;
  return new Promise((resolve) => {
    res.once('close', () => resolve(written));
    const more = (): void => {
      while (written < bytes) {
        if (res.destroyed) {
          return;
        }
        const piece = bytes - written >= FILL.length ? FILL : FILL.subarray(0, bytes - written);
        written += piece.length;
        if (!res.write(piece)) {
          res.once('drain', more);
          return;
        }
      }
      res.end(tail);
    };
    if (res.write(head)) {
      more();
    } else {
      res.once('drain', more);
    }
  });
}
