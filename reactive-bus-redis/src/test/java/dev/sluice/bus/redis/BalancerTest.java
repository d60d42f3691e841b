package dev.sluice.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BalancerTest {

    @Test
    void sharesAddUpToThePartitionsWithTheFirstMembersTakingTheRemainder() {
        List<String> members = List.of("a", "b", "c");

        int a = Balancer.share(16, members, "a");
        int b = Balancer.share(16, members, "b");
        int c = Balancer.share(16, members, "c");

        assertThat(List.of(a, b, c)).containsExactly(6, 5, 5);
    }

    @Test
    void aStrangerHasNoShare() {
        assertThat(Balancer.share(4, List.of("a"), "z")).isZero();
    }

    @Test
    void givesUpOnlyTheExcessHighestFirst() {
        Balancer.Plan plan = Balancer.plan(6, List.of("a", "b", "c"), "a", Set.of(0, 1, 2, 3, 4, 5), Set.of());

        assertThat(plan.share()).isEqualTo(2);
        assertThat(plan.giveUp()).containsExactly(5, 4, 3, 2);
        assertThat(plan.wanted()).isZero();
        assertThat(plan.candidates()).isEmpty();
    }

    @Test
    void claimsFreePartitionsFromItsOwnOffsetSkippingItsOwn() {
        Balancer.Plan plan = Balancer.plan(6, List.of("a", "b", "c"), "c", Set.of(5), Set.of(0));

        assertThat(plan.share()).isEqualTo(2);
        assertThat(plan.giveUp()).isEmpty();
        assertThat(plan.wanted()).isEqualTo(1);
        assertThat(plan.candidates()).containsExactly(4, 1, 2, 3);
    }

    @Test
    void aMemberAtItsShareMovesNothing() {
        Balancer.Plan plan = Balancer.plan(4, List.of("a", "b"), "b", Set.of(2, 3), Set.of());

        assertThat(plan.giveUp()).isEmpty();
        assertThat(plan.wanted()).isZero();
    }
}
