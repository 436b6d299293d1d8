import { parseModelsConfig } from '@ballast/models';
import { poolModels } from './pools';

describe('pool scenarios', () => {
  it('run on a models file Ballast accepts: a single entry, pools and a hedged pool over the same two upstreams', () => {
    const sut = parseModelsConfig(poolModels('http://127.0.0.1:1', 'http://127.0.0.1:2'), {});

    expect(sut.models.single.steps).toEqual([{ provider: 'a', model: 'bench-model', prefill: false }]);
    for (const [name, strategy] of [
      ['pool', 'latency'],
      ['unhedged', 'weighted'],
      ['hedged', 'weighted'],
    ]) {
      expect(sut.models[name].steps).toEqual([
        {
          pool: {
            strategy,
            entries: [
              { provider: 'a', model: 'bench-model', prefill: false },
              { provider: 'b', model: 'bench-model', prefill: false },
            ],
          },
        },
      ]);
    }
    expect(sut.models.hedged.hedge).toEqual({ percentile: 95, maxExtraRatio: 0.25 });
    expect(sut.models.unhedged.hedge).toBeUndefined();
  });
});
