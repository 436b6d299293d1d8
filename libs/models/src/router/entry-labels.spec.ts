import { entryLabels } from './entry-labels';
import type { RouteTarget } from './route-target';

const target = (publicModel: string, providerId: string) => ({ publicModel, providerId }) as RouteTarget;

describe('entryLabels', () => {
  it("names the entry's model and provider in every label set", () => {
    expect(entryLabels(target('chat', 'primary'))).toEqual({
      entry: { model: 'chat', provider: 'primary' },
      success: { model: 'chat', provider: 'primary', outcome: 'success' },
      promptTokens: { model: 'chat', provider: 'primary', kind: 'prompt' },
      completionTokens: { model: 'chat', provider: 'primary', kind: 'completion' },
    });
  });

  it('builds them once per target, and apart for two members of one pool', () => {
    const first = target('chat', 'a');
    const second = target('chat', 'b');
    expect(entryLabels(first)).toBe(entryLabels(first));
    expect(entryLabels(second)).not.toBe(entryLabels(first));
    expect(entryLabels(second).entry.provider).toBe('b');
  });
});
