import type { BalancedMember, Balancer, Random } from './balancer';

/** Random choice in proportion to each available member's weight. */
export class WeightedBalancer implements Balancer {
  constructor(private readonly random: Random = Math.random) {}

  pick<M extends BalancedMember>(members: readonly M[], isAvailable: (member: M) => boolean = () => true): M | undefined {
    const available = members.filter(isAvailable);
    const total = available.reduce((sum, member) => sum + member.weight, 0);
    let point = this.random() * total;
    for (const member of available) {
      point -= member.weight;
      if (point < 0) {
        return member;
      }
    }
    return available[available.length - 1];
  }
}
