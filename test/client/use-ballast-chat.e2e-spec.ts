/**
 * @jest-environment jsdom
 */
import '../support/node-web-globals';
import { BallastClient } from '@ballast/client';
import { ChatStatus, useBallastChat } from '@ballast/client/react';
import { renderHook, waitFor } from '@testing-library/react';
import { seededRandom } from '../upstream/seeded-random';
import { replyChunks, startClientRig, ClientRig } from './client-setup';

const REPLY = 'The hook keeps every word of this answer.';

describe('useBallastChat against a real Ballast', () => {
  let rig: ClientRig;
  let client: BallastClient;

  beforeAll(async () => {
    // Updates come from real network I/O, not from inside act(); waitFor() observes each render as it happens.
    (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;
    rig = await startClientRig({}, {}, true);
    client = new BallastClient({ baseUrl: rig.url, random: seededRandom(11) });
  }, 60_000);
  beforeEach(() => rig.upstream.reset());
  afterAll(() => rig.close());

  function renderChat(resumable?: boolean) {
    const statuses: ChatStatus[] = [];
    const texts: string[] = [];
    const view = renderHook(() => {
      const chat = useBallastChat({ client, model: 'chat', resumable });
      if (statuses.at(-1) !== chat.status) {
        statuses.push(chat.status);
      }
      texts.push(chat.streamingText);
      return chat;
    });
    return { ...view, statuses, texts };
  }

  it('streams an answer: idle → streaming → done, the text growing as it arrives', async () => {
    rig.upstream.enqueue({ kind: 'drip', intervalMs: 40 });
    const { result, statuses, texts, unmount } = renderChat();

    await result.current.send(`echo:${REPLY}`);

    await waitFor(() => expect(result.current.status).toBe('done'));
    expect(statuses).toEqual(['idle', 'streaming', 'done']);
    expect(texts).toContain(replyChunks(REPLY, 5).slice(0, 2).join(''));
    expect(result.current.messages).toEqual([
      { id: expect.any(Number), role: 'user', content: `echo:${REPLY}` },
      {
        id: expect.any(Number),
        role: 'assistant',
        content: REPLY,
        requestId: rig.upstream.requests[0].headers['x-request-id'],
        model: 'chat/primary/primary-model',
      },
    ]);
    expect(result.current.streamingText).toBe('');
    unmount();
  });

  it('keeps the partial text of a stream that broke, shows the problem with its request id, and retry() asks again', async () => {
    // The asked-again stream drips, so that React renders its streaming state before it is done (fast updates are batched).
    rig.upstream.enqueue({ kind: 'drop-stream', afterChunks: 3 }, { kind: 'drip', intervalMs: 40 });
    const { result, statuses, unmount } = renderChat();

    await result.current.send(`echo:${REPLY}`);

    await waitFor(() => expect(result.current.status).toBe('error'));
    const requestId = rig.upstream.requests[0].headers['x-request-id'];
    expect(result.current.problem).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', requestId });
    expect(result.current.requestId).toBe(requestId);
    expect(result.current.messages.at(-1)).toMatchObject({
      role: 'assistant',
      content: replyChunks(REPLY, 5).slice(0, 3).join(''),
      partial: true,
      requestId,
    });

    await result.current.retry();

    await waitFor(() => expect(result.current.status).toBe('done'));
    expect(statuses).toEqual(['idle', 'streaming', 'error', 'streaming', 'done']);
    expect(result.current.problem).toBeUndefined();
    expect(result.current.messages.map((m) => [m.role, m.content, m.partial])).toEqual([
      ['user', `echo:${REPLY}`, undefined],
      ['assistant', REPLY, undefined],
    ]);
    // The partial answer is not sent back to the model.
    expect(rig.upstream.requests[1].body.messages).toEqual([{ role: 'user', content: `echo:${REPLY}` }]);
    unmount();
  });

  it('shows retrying while the client waits out a retryable problem, then streams', async () => {
    // The retried stream drips, so that React renders its streaming state before it is done (fast updates are batched).
    rig.upstream.enqueue({ kind: 'status', status: 503 }, { kind: 'drip', intervalMs: 40 });
    const { result, statuses, unmount } = renderChat();

    await result.current.send(`echo:${REPLY}`);

    await waitFor(() => expect(result.current.status).toBe('done'));
    expect(statuses).toEqual(['idle', 'streaming', 'retrying', 'streaming', 'done']);
    expect(result.current.lastRetry).toEqual({ attempt: 2, delayMs: 1000, code: 'UPSTREAM_UNAVAILABLE' });
    expect(result.current.messages.at(-1)).toMatchObject({ content: REPLY });
    unmount();
  });

  it('stop() ends the answer at once, keeps what arrived as partial, and closes the upstream request', async () => {
    rig.upstream.enqueue({ kind: 'drip', intervalMs: 400 });
    // Not resumable: a resumable stream's generation outlives its reader by design (contract section 4).
    const { result, unmount } = renderChat(false);

    const sent = result.current.send(`echo:${REPLY}`);
    await waitFor(() => expect(result.current.streamingText).not.toBe(''));
    result.current.stop();
    await sent;
    await waitFor(() => expect(result.current.status).toBe('idle'));

    expect(result.current.status).toBe('idle');
    expect(result.current.messages.at(-1)).toMatchObject({ role: 'assistant', content: replyChunks(REPLY, 5)[0], partial: true });
    await rig.upstream.requests[0].closed;
    expect(rig.upstream.requests[0].clientAborted).toBe(true);
    unmount();
  });

  it('sends the conversation so far with each new message', async () => {
    const { result, unmount } = renderChat();

    await result.current.send('echo:first');
    await waitFor(() => expect(result.current.status).toBe('done'));
    await result.current.send('echo:second');
    await waitFor(() => expect(result.current.status).toBe('done'));

    expect(rig.upstream.requests[1].body.messages).toEqual([
      { role: 'user', content: 'echo:first' },
      { role: 'assistant', content: 'first' },
      { role: 'user', content: 'echo:second' },
    ]);
    unmount();
  });
});
