import { useCallback, useEffect, useReducer, useRef } from 'react';
import type { BallastClient } from '@ballast/client';
import type { ChatMessage, ChatRequest } from '@ballast/client';
import { chatReducer, ChatMessageView, ChatState, INITIAL_CHAT_STATE } from './chat-state';

export interface UseBallastChatOptions {
  client: BallastClient;
  /** The public model name, e.g. `chat`. */
  model: string;
  /** Sent first on every call. */
  system?: string;
  /** Other Chat Completions fields (temperature, max_tokens, …). */
  request?: Omit<ChatRequest, 'model' | 'messages'>;
  /** Ask for resumable streams (default: the client's setting). */
  resumable?: boolean;
}

export interface UseBallastChat extends ChatState {
  /** Adds a user message and streams the answer; an answer in progress is stopped first. */
  send(text: string): Promise<void>;
  /** Stops the answer in progress; what arrived stays, marked partial. */
  stop(): void;
  /** Asks again for the last user message, dropping a partial answer to it. */
  retry(): Promise<void>;
}

/** Chat state for a React component: messages, the streaming text, status and the last problem. */
export function useBallastChat(options: UseBallastChatOptions): UseBallastChat {
  const [state, dispatch] = useReducer(chatReducer, INITIAL_CHAT_STATE);
  const current = useRef<AbortController | undefined>(undefined);
  const messages = useRef<ChatMessageView[]>(state.messages);
  const ids = useRef(0);
  const settings = useRef(options);
  messages.current = state.messages;
  settings.current = options;

  useEffect(() => () => current.current?.abort(), []);

  const run = useCallback(async (history: ChatMessageView[]) => {
    current.current?.abort();
    const controller = new AbortController();
    current.current = controller;
    const { client, model, system, request, resumable } = settings.current;
    const wire: ChatMessage[] = history.filter((m) => !m.partial).map((m) => ({ role: m.role, content: m.content }));
    if (system) {
      wire.unshift({ role: 'system', content: system });
    }
    try {
      for await (const event of client.stream({ ...request, model, messages: wire }, { signal: controller.signal, resumable })) {
        if (controller.signal.aborted) {
          break;
        }
        dispatch({ type: 'event', event, nextId: ++ids.current });
      }
    } catch (error) {
      if (!controller.signal.aborted) {
        throw error;
      }
      // stop() or a newer send(): the answer so far was kept by the 'stopped' action.
    } finally {
      if (current.current === controller) {
        current.current = undefined;
      }
    }
  }, []);

  const send = useCallback(
    async (text: string) => {
      stopCurrent();
      const message: ChatMessageView = { id: ++ids.current, role: 'user', content: text };
      const history = [...messages.current, message];
      dispatch({ type: 'send', message });
      await run(history);
    },
    [run],
  );

  const stopCurrent = (): void => {
    if (current.current) {
      current.current.abort();
      current.current = undefined;
      dispatch({ type: 'stopped', nextId: ++ids.current });
    }
  };
  const stop = useCallback(stopCurrent, []);

  const retry = useCallback(async () => {
    stopCurrent();
    const history = [...messages.current];
    while (history.length > 0 && history[history.length - 1].role === 'assistant' && history[history.length - 1].partial) {
      history.pop();
    }
    if (history.length === 0 || history[history.length - 1].role !== 'user') {
      return;
    }
    dispatch({ type: 'retry' });
    await run(history);
  }, [run]);

  return { ...state, send, stop, retry };
}
