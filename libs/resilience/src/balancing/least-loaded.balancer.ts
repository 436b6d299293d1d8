import type { BalancedMember, Balancer, Random } from './balancer';

/** The available member with the fewest calls in flight; ties broken at random so idle members share. */
export class LeastLoadedBalancer implements Balancer {
  constructor(private readonly random: Random = Math.random) {}

  pick<M extends BalancedMember>(members: readonly M[], isAvailable: (member: M) => boolean = () => true): M | undefined {
    let best: M | undefined;
    let ties = 0;
    for (const member of members) {
      if (!isAvailable(member)) {
        continue;
      }
      if (!best || member.inFlight < best.inFlight) {
        best = member;
        ties = 1;
      } else if (member.inFlight === best.inFlight && this.random() * ++ties < 1) {
        best = member;
      }
    }
    return best;
  }
}
