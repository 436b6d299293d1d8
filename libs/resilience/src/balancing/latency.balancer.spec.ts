import { countPicks, TestMember, testMember } from './balancing.fixtures';
import { LatencyBalancer, twoDistinct } from './latency.balancer';
import { seededRandom } from './seeded-random';

/**
 * Traffic on a fake clock: one call every `intervalMs`, each taking its
 * member's current latency, observed when it ends. Returns who served each call.
 */
class PoolSimulation {
  clock = 0;
  readonly members: TestMember[];
  private ending: Array<{ at: number; member: TestMember; latencyMs: number }> = [];

  constructor(
    readonly latencyMs: Record<string, number>,
    private readonly sut: LatencyBalancer,
  ) {
    this.members = Object.keys(latencyMs).map((name) => testMember(name, () => this.clock));
  }

  run(calls: number, intervalMs = 10): string[] {
    const served: string[] = [];
    for (let i = 0; i < calls; i++) {
      this.finishUntil(this.clock + intervalMs);
      const member = this.sut.pick(this.members)!;
      member.inFlight++;
      const latencyMs = this.latencyMs[member.name];
      this.ending.push({ at: this.clock + latencyMs, member, latencyMs });
      served.push(member.name);
    }
    return served;
  }

  private finishUntil(until: number): void {
    this.ending.sort((x, y) => x.at - y.at);
    while (this.ending.length > 0 && this.ending[0].at <= until) {
      const { at, member, latencyMs } = this.ending.shift()!;
      this.clock = at;
      member.inFlight--;
      member.latency.observe(latencyMs);
    }
    this.clock = until;
  }
}

const share = (served: string[], name: string) => served.filter((n) => n === name).length / served.length;

describe('LatencyBalancer', () => {
  let sut: LatencyBalancer;

  beforeEach(() => {
    sut = new LatencyBalancer(seededRandom(16));
  });

  it('gives a member 10x slower than two others less than 10% of 1,000 calls', () => {
    const sim = new PoolSimulation({ fast1: 50, fast2: 50, slow: 500 }, sut);

    const served = sim.run(1000);

    expect(share(served, 'slow')).toBeLessThan(0.1);
    expect(share(served, 'fast1')).toBeGreaterThan(0.4);
    expect(share(served, 'fast2')).toBeGreaterThan(0.4);
  });

  it('gives a recovered member its share back within seconds', () => {
    const sim = new PoolSimulation({ fast1: 50, fast2: 50, slow: 500 }, sut);
    sim.run(1000);

    sim.latencyMs.slow = 50;
    const firstSecond = share(sim.run(100), 'slow');
    sim.run(400);
    const afterFiveSeconds = share(sim.run(500), 'slow');

    expect(firstSecond).toBeLessThan(0.1);
    expect(afterFiveSeconds).toBeGreaterThan(0.28);
  });

  it('follows a member that becomes slow', () => {
    const sim = new PoolSimulation({ a: 50, b: 50, c: 50 }, sut);
    const before = sim.run(500);

    sim.latencyMs.c = 500;
    sim.run(100);
    const after = sim.run(500);

    expect(share(before, 'c')).toBeGreaterThan(0.25);
    expect(share(after, 'c')).toBeLessThan(0.1);
  });

  it('never samples the same member twice: of two members the far costlier one is never chosen', () => {
    const clock = () => 0;
    const cheap = testMember('cheap', clock);
    const costly = testMember('costly', clock);
    cheap.latency.observe(10);
    costly.latency.observe(10_000);

    const counts = countPicks(() => sut.pick([costly, cheap]), 1000);

    expect(counts).toEqual({ cheap: 1000 });
  });

  it('leaves out unavailable members and serves a lone available one', () => {
    const clock = () => 0;
    const members = [testMember('a', clock), testMember('b', clock), testMember('c', clock)];

    const counts = countPicks(() => sut.pick(members, (member) => member.name === 'c'), 50);

    expect(counts).toEqual({ c: 50 });
    expect(sut.pick(members, () => false)).toBeUndefined();
  });
});

describe('twoDistinct', () => {
  it.each([2, 3, 5])('draws two different members of %i even when the random numbers repeat', (n) => {
    for (const value of [0, 0.25, 0.5, 0.75, 0.9999999]) {
      const [i, j] = twoDistinct(n, () => value);
      expect(i).not.toBe(j);
      expect([i, j].every((k) => Number.isInteger(k) && k >= 0 && k < n)).toBe(true);
    }
  });

  it('draws every pair about equally often', () => {
    const random = seededRandom(7);
    const counts = new Map<string, number>();

    for (let k = 0; k < 6000; k++) {
      const key = twoDistinct(3, random).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }

    expect([...counts.keys()].sort()).toEqual(['01', '02', '10', '12', '20', '21']);
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(850);
      expect(count).toBeLessThan(1150);
    }
  });
});
