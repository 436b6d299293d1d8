/**
 * @jest-environment jsdom
 */
import '../support/node-web-globals';
import { BallastClient } from '@ballast/client';
import { ChatStatus, useBallastChat } from '@ballast/client/react';
import { renderHook, waitFor } from '@testing-library/react';
import { startCuttingProxy, CuttingProxy } from '../support/cutting-proxy';
import { startClientRig, ClientRig } from './client-setup';

/** Needs the server side of stream resume (contract section 4, issue #14). */
describe('useBallastChat resumes a broken stream (needs server-side resume)', () => {
  let rig: ClientRig;
  let proxy: CuttingProxy;
  const REPLY = 'Resumed answers read as one: nothing lost, nothing twice.';

  beforeAll(async () => {
    (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;
    rig = await startClientRig({}, {}, true);
    proxy = await startCuttingProxy(rig.port);
  }, 60_000);
  afterAll(async () => {
    await proxy.close();
    await rig.close();
  });

  it('goes streaming → resuming → streaming → done and shows the whole answer once', async () => {
    rig.upstream.enqueue({ kind: 'drip', intervalMs: 80 });
    proxy.cutNextStreamAfterEvents(3);
    const client = new BallastClient({ baseUrl: proxy.url });
    const statuses: ChatStatus[] = [];
    const { result, unmount } = renderHook(() => {
      const chat = useBallastChat({ client, model: 'chat', resumable: true });
      if (statuses.at(-1) !== chat.status) {
        statuses.push(chat.status);
      }
      return chat;
    });

    await result.current.send(`echo:${REPLY}`);

    await waitFor(() => expect(result.current.status).toBe('done'));
    expect(statuses).toEqual(['idle', 'streaming', 'resuming', 'streaming', 'done']);
    expect(result.current.resumedAfter).toBe(2);
    expect(result.current.messages.at(-1)).toMatchObject({ role: 'assistant', content: REPLY });
    expect(result.current.messages.at(-1)!.partial).toBeUndefined();
    unmount();
  });
});
