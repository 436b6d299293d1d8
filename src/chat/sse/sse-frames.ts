import { BallastError, ERROR_CATALOG } from '@ballast/errors';

export interface StreamPartial {
  chunks: number;
  characters: number;
}

/** The SSE grammar of contract section 4 as text, so a live response and a replay buffer write the same bytes. */
export const sseFrames = {
  event(requestId: string, seq: number, data: unknown): string {
    return `id: ${requestId}:${seq}\ndata: ${JSON.stringify(data)}\n\n`;
  },

  done(): string {
    return 'data: [DONE]\n\n';
  },

  comment(text: string): string {
    return `: ${text}\n\n`;
  },

  error(requestId: string, seq: number, error: BallastError, partial: StreamPartial): string {
    const definition = ERROR_CATALOG[error.code];
    const payload = {
      error: {
        message: error.detail,
        type: definition.openaiType,
        code: error.code,
        retryable: definition.retryable,
        request_id: requestId,
      },
      partial,
    };
    return `event: error\nid: ${requestId}:${seq}\ndata: ${JSON.stringify(payload)}\n\n`;
  },
};
