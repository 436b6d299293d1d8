import type { ModelProvider } from '../ports/model-provider.port';
import type { RouteTarget } from './route-target';
import { ContinuationPolicy, PartialAnswer } from './stream-continuation';

const chatProvider = { chat: {} } as unknown as ModelProvider;

function target(providerId: string, index: number, prefill?: boolean): RouteTarget {
  return { publicModel: 'chat', providerId, provider: chatProvider, model: 'm', index, prefill } as unknown as RouteTarget;
}

describe('ContinuationPolicy', () => {
  const sut = new ContinuationPolicy({} as never);

  it('finds the prefill entry after a pool: candidates are read from each target, not from a position in the flat route', () => {
    // route: [ pool { a, b }, { backup, prefill: true } ] — the flat list has three entries, the steps two.
    const a = target('a', 0);
    const b = target('b', 0);
    const backup = target('backup', 1, true);

    expect(sut.candidates([a, b, backup], a)).toEqual([backup]);
    expect(sut.candidates([a, b, backup], b)).toEqual([backup]);
    expect(sut.candidates([a, b, backup], backup)).toEqual([]);
  });

  it('never continues on an entry of the same step, nor on one that did not declare prefill', () => {
    const a = target('a', 0, true);
    const b = target('b', 0, true);
    const plain = target('plain', 1);
    expect(sut.candidates([a, b, plain], a)).toEqual([]);
  });

  it('refuses a partial answer that holds a tool call', () => {
    const partial = new PartialAnswer();
    partial.add({ choices: [{ delta: { content: 'x', tool_calls: [{ index: 0 }] } }] } as never);
    expect(sut.refusal(partial, [target('backup', 1, true)], 0, 1, false)).toBe('tool_call');
  });
});
