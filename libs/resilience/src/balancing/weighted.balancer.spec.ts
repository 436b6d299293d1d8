import { countPicks, testMember } from './balancing.fixtures';
import { seededRandom } from './seeded-random';
import { WeightedBalancer } from './weighted.balancer';

describe('WeightedBalancer', () => {
  const now = () => 0;
  let sut: WeightedBalancer;

  beforeEach(() => {
    sut = new WeightedBalancer(seededRandom(16));
  });

  it('splits 3:1 weights within ±5% of 75/25 over 2,000 picks', () => {
    const members = [testMember('a', now, { weight: 3 }), testMember('b', now, { weight: 1 })];

    const counts = countPicks(() => sut.pick(members), 2000);

    expect(counts.a / 2000).toBeGreaterThan(0.7);
    expect(counts.a / 2000).toBeLessThan(0.8);
    expect(counts.a + counts.b).toBe(2000);
  });

  it('gives the whole share to the members left available', () => {
    const members = [testMember('a', now, { weight: 3 }), testMember('b', now, { weight: 1 }), testMember('c', now, { weight: 2 })];

    const counts = countPicks(() => sut.pick(members, (member) => member.name !== 'a'), 600);

    expect(counts.a).toBeUndefined();
    expect(counts.b + counts.c).toBe(600);
    expect(counts.c).toBeGreaterThan(counts.b);
  });

  it('picks nothing when no member is available', () => {
    const members = [testMember('a', now), testMember('b', now)];

    expect(sut.pick(members, () => false)).toBeUndefined();
    expect(sut.pick([])).toBeUndefined();
  });

  it('picks the last member even when the random number is at the top of its range', () => {
    sut = new WeightedBalancer(() => 0.9999999999);
    const members = [testMember('a', now), testMember('b', now)];

    expect(sut.pick(members)?.name).toBe('b');
  });
});
