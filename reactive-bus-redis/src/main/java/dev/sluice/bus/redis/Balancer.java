package dev.sluice.bus.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Shares a subscriber's P partitions among its group's live members (issue 13, guarantee 4), deciding for one member
 * alone from what every member can see: the live members (sorted, the same list for everyone) and its own holds. Each
 * member's fair share is {@code ⌊P/m⌋}, and the first {@code P mod m} members in member order take one more, so the
 * shares add up to P. A member holding more than its share gives up the excess, and only the excess (the highest
 * partitions); one holding fewer claims free partitions, starting at its own offset around the ring so that members do
 * not race for the same ones. Partitions held by others are never taken: they move only when their holder gives them
 * up or dies, so a rebalance moves as few partitions as the new shares need. Stateless.
 */
final class Balancer {

    private Balancer() {}

    /**
     * Return {@code self}'s share of {@code partitions} among {@code members} (sorted, distinct); 0 if it is not one.
     */
    static int share(int partitions, List<String> members, String self) {
        int index = members.indexOf(self);
        if (index < 0) {
            return 0;
        }
        int m = members.size();
        return partitions / m + (index < partitions % m ? 1 : 0);
    }

    /**
     * Plan {@code self}'s next step.
     *
     * @param partitions the partition count P
     * @param members the live members, sorted and distinct
     * @param self this member
     * @param held the partitions this member holds and is not giving up already
     * @param draining the partitions this member is giving up already
     * @return the partitions to give up (highest first) and the free ones to try to claim (in the order to try), of
     *     which at most {@link Plan#wanted()} should be claimed
     */
    static Plan plan(int partitions, List<String> members, String self, Set<Integer> held, Set<Integer> draining) {
        int share = share(partitions, members, self);
        List<Integer> giveUp = new ArrayList<>();
        if (held.size() > share) {
            TreeSet<Integer> sorted = new TreeSet<>(held);
            while (sorted.size() > share) {
                giveUp.add(sorted.pollLast());
            }
        }
        int wanted = Math.max(0, share - held.size());
        List<Integer> candidates = new ArrayList<>();
        if (wanted > 0) {
            int index = Math.max(0, members.indexOf(self));
            int offset = (int) ((long) index * partitions / Math.max(1, members.size()));
            for (int i = 0; i < partitions; i++) {
                int p = (offset + i) % partitions;
                if (!held.contains(p) && !draining.contains(p)) {
                    candidates.add(p);
                }
            }
        }
        return new Plan(share, List.copyOf(giveUp), List.copyOf(candidates), wanted);
    }

    /**
     * One member's next step.
     *
     * @param share its fair share
     * @param giveUp partitions to give up (cleanly, once their entries in flight settle)
     * @param candidates partitions to try to claim, in order
     * @param wanted how many more partitions it should hold
     */
    record Plan(int share, List<Integer> giveUp, List<Integer> candidates, int wanted) {}
}
