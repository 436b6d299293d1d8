import { BallastProblem } from './ballast-problem';
import { chatReducer, ChatState, INITIAL_CHAT_STATE } from './chat-state';
import type { StreamEvent } from './types';

const user = { id: 1, role: 'user' as const, content: 'hi' };
const run = (state: ChatState, ...events: StreamEvent[]) =>
  events.reduce((s, event, i) => chatReducer(s, { type: 'event', event, nextId: 100 + i }), state);
const problem = new BallastProblem({ code: 'MODEL_TIMEOUT', title: 'Model timed out', detail: 'd', retryable: true, requestId: 'r-1' });

describe('chatReducer', () => {
  const sending = chatReducer(INITIAL_CHAT_STATE, { type: 'send', message: user });

  it('streams: send → streaming, deltas grow the text, done moves it into the messages', () => {
    const sut = run(
      sending,
      { type: 'open', requestId: 'r-1', model: 'chat/p/m', fallback: false },
      { type: 'delta', text: 'Hel' },
      { type: 'delta', text: 'lo' },
    );
    expect(sut).toMatchObject({ status: 'streaming', streamingText: 'Hello', requestId: 'r-1' });

    const done = run(sut, { type: 'done', text: 'Hello' });
    expect(done).toMatchObject({ status: 'done', streamingText: '' });
    expect(done.messages).toEqual([user, { id: 100, role: 'assistant', content: 'Hello', requestId: 'r-1', model: 'chat/p/m' }]);
  });

  it('retrying and resuming are states of their own; the next delta is streaming again', () => {
    const retrying = run(sending, { type: 'retry', attempt: 2, delayMs: 300, code: 'MODEL_OVERLOADED' });
    expect(retrying).toMatchObject({ status: 'retrying', lastRetry: { attempt: 2, delayMs: 300, code: 'MODEL_OVERLOADED' } });
    const resuming = run(retrying, { type: 'delta', text: 'a' }, { type: 'resume', after: 4 });
    expect(resuming).toMatchObject({ status: 'resuming', resumedAfter: 4 });
    expect(run(resuming, { type: 'delta', text: 'b' })).toMatchObject({ status: 'streaming', streamingText: 'ab' });
  });

  it('an error keeps the text so far as a partial answer, with the problem; retry drops the partial answer', () => {
    const failed = run(sending, { type: 'delta', text: 'Hal' }, { type: 'error', problem, text: 'Hal', partial: true });
    expect(failed).toMatchObject({ status: 'error', problem, streamingText: '' });
    expect(failed.messages.at(-1)).toMatchObject({ role: 'assistant', content: 'Hal', partial: true });

    const again = chatReducer(failed, { type: 'retry' });
    expect(again).toMatchObject({ status: 'streaming', problem: undefined, messages: [user] });
  });

  it('stop keeps what arrived as partial and goes idle; with nothing arrived, no message', () => {
    expect(chatReducer(run(sending, { type: 'delta', text: 'Hi t' }), { type: 'stopped', nextId: 9 }).messages.at(-1)).toMatchObject({
      content: 'Hi t',
      partial: true,
    });
    const empty = chatReducer(sending, { type: 'stopped', nextId: 9 });
    expect(empty).toMatchObject({ status: 'idle', messages: [user] });
  });
});
