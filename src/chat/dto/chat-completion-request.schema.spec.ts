import 'reflect-metadata';
import { BallastError, FieldError } from '@ballast/errors';
import { loadConfig } from '../../config/load-config';
import { createValidationPipe } from '../../problems/validation.pipe';
import { ChatCompletionRequestDto } from './chat-completion-request.dto';

const pipe = createValidationPipe(loadConfig({}).limits);
const sut = (body: unknown) => pipe.transform(body, { type: 'body', metatype: ChatCompletionRequestDto, data: undefined });

function errorsOf(body: unknown): FieldError[] {
  try {
    sut(body);
  } catch (error) {
    expect(error).toBeInstanceOf(BallastError);
    expect((error as BallastError).code).toBe('VALIDATION_FAILED');
    return (error as BallastError).errors ?? [];
  }
  throw new Error('the body was accepted');
}

const user = (fields: object = {}) => ({ role: 'user', content: 'hi', ...fields });
const chat = (fields: object = {}) => ({ model: 'chat', messages: [user()], ...fields });

describe('the chat request schema, through the validation pipe', () => {
  it.each([
    ['no model', { messages: [user()] }, 'model', 'is required'],
    ['an empty model', chat({ model: '' }), 'model', 'must not be empty'],
    ['a model of 129 characters', chat({ model: 'x'.repeat(129) }), 'model', 'must be at most 128 characters'],
    ['no messages', { model: 'chat' }, 'messages', 'is required'],
    ['empty messages', chat({ messages: [] }), 'messages', 'must contain at least one message'],
    ['a message that is not an object', chat({ messages: [null] }), 'messages[0]', 'must be an object'],
    [
      'a bad role',
      chat({ messages: [user({ role: 'wizard' })] }),
      'messages[0].role',
      'must be one of system, developer, user, assistant, tool, function',
    ],
    ['empty content', chat({ messages: [user({ content: '' })] }), 'messages[0].content', 'must not be empty'],
    ['no content', chat({ messages: [{ role: 'user' }] }), 'messages[0].content', 'must not be empty'],
    [
      'content that is a number',
      chat({ messages: [user({ content: 5 })] }),
      'messages[0].content',
      'must be a string or an array of content parts',
    ],
    [
      'a text part without text',
      chat({ messages: [user({ content: [{ type: 'text', text: 'a' }, { type: 'text' }] })] }),
      'messages[0].content',
      'part [1] text must be a non-empty string',
    ],
    [
      'an image part with an ftp URL',
      chat({ messages: [user({ content: [{ type: 'image_url', image_url: { url: 'ftp://x' } }] })] }),
      'messages[0].content',
      'part [0] image_url.url must be an http(s) URL or a data: URL',
    ],
    [
      'a name of 257 characters',
      chat({ messages: [user({ name: 'x'.repeat(257) })] }),
      'messages[0].name',
      'must be at most 256 characters',
    ],
    ['tool_calls that are not an array', chat({ messages: [user({ tool_calls: 'x' })] }), 'messages[0].tool_calls', 'must be an array'],
    ['temperature 9', chat({ temperature: 9 }), 'temperature', 'must be at most 2'],
    ['temperature as a string', chat({ temperature: '1' }), 'temperature', 'must be a number'],
    ['top_p -1', chat({ top_p: -1 }), 'top_p', 'must be at least 0'],
    ['max_tokens 1.5', chat({ max_tokens: 1.5 }), 'max_tokens', 'must be an integer'],
    ['max_completion_tokens 0', chat({ max_completion_tokens: 0 }), 'max_completion_tokens', 'must be at least 1'],
    ['five stop sequences', chat({ stop: ['a', 'b', 'c', 'd', 'e'] }), 'stop', 'must be a string or up to 4 strings of 1-256 characters'],
    ['n 17', chat({ n: 17 }), 'n', 'must be at most 16'],
    ['stream as a string', chat({ stream: 'yes' }), 'stream', 'must be a boolean'],
    ['stream_options that are not an object', chat({ stream_options: 'x' }), 'stream_options', 'must be an object'],
    ['include_usage as a string', chat({ stream_options: { include_usage: 'x' } }), 'stream_options.include_usage', 'must be a boolean'],
    ['presence_penalty 3', chat({ presence_penalty: 3 }), 'presence_penalty', 'must be at most 2'],
    ['a seed of 1.5', chat({ seed: 1.5 }), 'seed', 'must be an integer'],
    ['response_format as an array', chat({ response_format: [1] }), 'response_format', 'must be an object'],
    ['a tool that is not an object', chat({ tools: [1] }), 'tools[0]', 'must be an object'],
    ['tool_choice as a number', chat({ tool_choice: 5 }), 'tool_choice', 'must be a string or an object'],
    ['a body that is an array', [1], 'body', 'must be an object'],
  ])('refuses %s, naming the field', (_label, body, field, message) => {
    expect(errorsOf(body)).toEqual([{ field, message }]);
  });

  it('names every wrong field of a message at once, content included', () => {
    expect(errorsOf(chat({ messages: [user({ role: 'wizard', content: '' })] }))).toEqual([
      { field: 'messages[0].role', message: 'must be one of system, developer, user, assistant, tool, function' },
      { field: 'messages[0].content', message: 'must not be empty' },
    ]);
  });

  it('lets an assistant message have no content', () => {
    expect(() =>
      sut(chat({ messages: [user(), { role: 'assistant', content: null }, { role: 'assistant', tool_calls: [{}] }] })),
    ).not.toThrow();
  });

  it('takes null as absent for every optional field, as OpenAI does', () => {
    const nulls = Object.fromEntries(
      ['temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'stop', 'n', 'stream', 'stream_options', 'presence_penalty']
        .concat(['frequency_penalty', 'user', 'seed', 'response_format', 'tools', 'tool_choice'])
        .map((field) => [field, null]),
    );
    expect(sut(chat({ ...nulls, messages: [user({ name: null, tool_calls: null, tool_call_id: null })] }))).toEqual(
      chat({ ...nulls, messages: [user({ name: null, tool_calls: null, tool_call_id: null })] }),
    );
  });

  it('accepts any integer seed, as before (64-bit seeds included)', () => {
    expect(sut(chat({ seed: 2 ** 63 }))).toMatchObject({ seed: 2 ** 63 });
  });

  it('returns a plain object carrying unknown fields untouched, at every level', () => {
    const body = chat({
      logit_bias: { '50256': -100 },
      stream_options: { include_usage: true, future_option: 1 },
      messages: [user({ content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }], extra: [1] })],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
    });
    const dto = sut(structuredClone(body));
    expect(dto).toEqual(body);
    expect(Object.getPrototypeOf(dto)).toBe(Object.prototype);
  });

  it('does not let a "__proto__" member of the body stand in for a field it did not check', () => {
    const body = JSON.parse('{"model":"chat","messages":[{"role":"user","content":"hi"}],"__proto__":{"stream":"yes"}}');
    const dto = sut(body) as ChatCompletionRequestDto;
    expect(dto.stream).toBeUndefined();
    expect(Object.getPrototypeOf(dto)).toBe(Object.prototype);
  });

  it('refuses 4,000,000 messages by their count, before looking at any of them', () => {
    const messages = new Array(4_000_000).fill(7);
    const started = process.hrtime.bigint();
    expect(errorsOf(chat({ messages }))).toEqual([{ field: 'messages', message: 'must contain at most 2048 messages (got 4000000)' }]);
    // The schema would name 4,000,000 bad messages; the precheck refuses with one comparison.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(200);
  });
});
