import { precheckChatRequest } from './chat-request.precheck';

const limits = { chatMaxMessages: 3, chatMaxContentParts: 4, chatMaxTextChars: 5 };

describe('precheckChatRequest', () => {
  it('leaves shape errors to the schema', () => {
    expect(precheckChatRequest('text', limits)).toEqual([]);
    expect(precheckChatRequest({ messages: 'nope' }, limits)).toEqual([]);
    expect(precheckChatRequest({ messages: [null, 1, { content: 'hello' }] }, limits)).toEqual([]);
  });

  it('refuses too many messages with one comparison, whatever they hold', () => {
    const messages = new Array(1_000_000);
    expect(precheckChatRequest({ messages }, limits)).toEqual([
      { field: 'messages', message: 'must contain at most 3 messages (got 1000000)' },
    ]);
  });

  it('refuses too many content parts in all, across messages', () => {
    const parts = [
      { type: 'text', text: 'a' },
      { type: 'text', text: 'b' },
      { type: 'text', text: 'c' },
    ];
    expect(precheckChatRequest({ messages: [{ content: parts }, { content: parts }] }, limits)).toEqual([
      { field: 'messages', message: 'must contain at most 4 content parts in all' },
    ]);
  });

  it('names each text that is too long', () => {
    expect(
      precheckChatRequest(
        { messages: [{ content: 'toolong' }, { content: [{ type: 'text', text: 'okay' }, { text: 'way too long' }] }] },
        limits,
      ),
    ).toEqual([
      { field: 'messages[0].content', message: 'must be at most 5 characters' },
      { field: 'messages[1].content[1].text', message: 'must be at most 5 characters' },
    ]);
  });

  it('refuses more than 128 tools', () => {
    expect(precheckChatRequest({ tools: new Array(129).fill({}) }, limits)).toHaveLength(1);
  });
});
