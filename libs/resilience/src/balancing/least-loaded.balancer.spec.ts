import { countPicks, testMember } from './balancing.fixtures';
import { LeastLoadedBalancer } from './least-loaded.balancer';
import { seededRandom } from './seeded-random';

describe('LeastLoadedBalancer', () => {
  const now = () => 0;
  let sut: LeastLoadedBalancer;

  beforeEach(() => {
    sut = new LeastLoadedBalancer(seededRandom(16));
  });

  it('never picks a member holding 50 calls while another is idle', () => {
    const members = [testMember('busy', now, { inFlight: 50 }), testMember('idle', now)];

    const counts = countPicks(() => sut.pick(members), 1000);

    expect(counts).toEqual({ idle: 1000 });
  });

  it('keeps the load level as calls start and never end', () => {
    const members = [testMember('a', now, { inFlight: 5 }), testMember('b', now), testMember('c', now)];

    for (let i = 0; i < 30; i++) {
      sut.pick(members)!.inFlight++;
    }

    const loads = members.map((member) => member.inFlight);
    expect(loads.reduce((sum, load) => sum + load, 0)).toBe(35);
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
  });

  it('shares evenly among equally idle members', () => {
    const members = [testMember('a', now), testMember('b', now), testMember('c', now)];

    const counts = countPicks(() => sut.pick(members), 3000);

    for (const name of ['a', 'b', 'c']) {
      expect(counts[name]).toBeGreaterThan(900);
      expect(counts[name]).toBeLessThan(1100);
    }
  });

  it('leaves out unavailable members, however idle', () => {
    const members = [testMember('open', now), testMember('busy', now, { inFlight: 50 })];

    expect(sut.pick(members, (member) => member.name !== 'open')?.name).toBe('busy');
    expect(sut.pick(members, () => false)).toBeUndefined();
  });
});
