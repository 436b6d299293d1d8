import type { BallastProblem } from './ballast-problem';
import type { StreamEvent } from './types';

export type ChatStatus = 'idle' | 'streaming' | 'retrying' | 'resuming' | 'error' | 'done';

export interface ChatMessageView {
  id: number;
  role: 'user' | 'assistant';
  content: string;
  /** An answer cut short (an error or stop()): the text is what arrived, not the whole answer. */
  partial?: boolean;
  requestId?: string;
  /** The route entry that answered (`X-Model-Used`, or the continuation's entry). */
  model?: string;
}

export interface ChatState {
  messages: ChatMessageView[];
  /** The answer arriving now; empty between answers. */
  streamingText: string;
  status: ChatStatus;
  /** The problem that ended the last answer, with its request id; cleared by the next send() or retry(). */
  problem?: BallastProblem;
  /** The request id of the answer in progress (or the last one). */
  requestId?: string;
  /** The last retry: which attempt comes next, after how long, and why. */
  lastRetry?: { attempt: number; delayMs: number; code: string };
  /** The last resume: the seq the stream resumed after. */
  resumedAfter?: number;
  /** Set when a fallback entry answered (at the start, or as a continuation mid-stream). */
  fallbackModel?: string;
  model?: string;
}

export type ChatAction =
  | { type: 'send'; message: ChatMessageView }
  | { type: 'retry' }
  | { type: 'event'; event: StreamEvent; nextId: number }
  | { type: 'stopped'; nextId: number };

export const INITIAL_CHAT_STATE: ChatState = { messages: [], streamingText: '', status: 'idle' };

const fresh = {
  streamingText: '',
  problem: undefined,
  lastRetry: undefined,
  resumedAfter: undefined,
  fallbackModel: undefined,
  model: undefined,
};

/** The hook's state machine, pure: idle → streaming ⇄ retrying/resuming → done | error; stop() → idle. */
export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'send':
      return { ...state, ...fresh, messages: [...state.messages, action.message], status: 'streaming', requestId: undefined };
    case 'retry': {
      const last = state.messages[state.messages.length - 1];
      const messages = last?.role === 'assistant' && last.partial ? state.messages.slice(0, -1) : state.messages;
      return { ...state, ...fresh, messages, status: 'streaming', requestId: undefined };
    }
    case 'stopped':
      return { ...withAnswer(state, action.nextId, true), status: 'idle' };
    case 'event':
      return onEvent(state, action.event, action.nextId);
  }
}

function onEvent(state: ChatState, event: StreamEvent, nextId: number): ChatState {
  switch (event.type) {
    case 'open':
      return { ...state, status: 'streaming', requestId: event.requestId, model: event.model };
    case 'delta':
      return { ...state, status: 'streaming', streamingText: state.streamingText + event.text };
    case 'retry':
      return { ...state, status: 'retrying', lastRetry: { attempt: event.attempt, delayMs: event.delayMs, code: event.code } };
    case 'resume':
      return { ...state, status: 'resuming', resumedAfter: event.after };
    case 'fallback':
      return { ...state, fallbackModel: event.model, model: event.model };
    case 'done':
      return { ...withAnswer({ ...state, streamingText: event.text }, nextId, false), status: 'done' };
    case 'error':
      return {
        ...withAnswer({ ...state, streamingText: event.text }, nextId, true),
        status: 'error',
        problem: event.problem,
        requestId: state.requestId ?? event.problem.requestId,
      };
  }
}

/** Moves the streaming text into the messages (marked partial when cut short); nothing to move, no message. */
function withAnswer(state: ChatState, id: number, partial: boolean): ChatState {
  if (state.streamingText === '' && partial) {
    return { ...state, streamingText: '' };
  }
  const answer: ChatMessageView = { id, role: 'assistant', content: state.streamingText, requestId: state.requestId, model: state.model };
  if (partial) {
    answer.partial = true;
  }
  return { ...state, streamingText: '', messages: [...state.messages, answer] };
}
