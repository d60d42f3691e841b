package dev.sluice.bus.redis.durable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.bus.redis.durable.OrderChecker.Handling;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The order checker must catch overtaking and accept repeats, or every multi-instance test built on it proves nothing. */
class OrderCheckerTest {

    private static final long NEVER = OrderChecker.NOT_ENDED;

    @Test
    void acceptsRepeatsThatStartAfterSomeHandlingOfThePreviousEnded() {
        OrderChecker checker = new OrderChecker();
        checker.add(new Handling("a", "k", 0, 10, 20));
        // a's handling of 0 went on (fenced owner), b handled 0 again and then 1 once a's first had ended
        checker.add(new Handling("b", "k", 0, 15, 25));
        checker.add(new Handling("b", "k", 1, 21, 30));
        // 1 is repeated by a dead owner's successor while another handling of 1 runs: a repeat, not overtaking
        checker.add(new Handling("c", "k", 1, 28, NEVER));
        checker.add(new Handling("a", "k", 2, 30, 31));

        List<String> overtakings = checker.overtakings();

        assertThat(overtakings).isEmpty();
        assertThat(checker.repeats()).isEqualTo(Map.of("k#0", 2, "k#1", 2));
        assertThat(checker.unhandled(Map.of("k", 3L))).isEmpty();
    }

    @Test
    void catchesAStartBeforeThePreviousEnded() {
        OrderChecker checker = new OrderChecker();
        checker.add(new Handling("a", "k", 0, 10, 20));
        checker.add(new Handling("b", "k", 1, 19, 30));

        List<String> overtakings = checker.overtakings();

        assertThat(overtakings).singleElement().asString().contains("k#1 by b [19, 30]", "k#0");
    }

    @Test
    void catchesAStartWhileThePreviousNeverEnded() {
        OrderChecker checker = new OrderChecker();
        checker.add(new Handling("a", "k", 0, 10, NEVER)); // the instance died under it
        checker.add(new Handling("b", "k", 1, 50, 60));

        List<String> overtakings = checker.overtakings();

        assertThat(overtakings).singleElement().asString().contains("k#1 by b");
    }

    @Test
    void catchesASkippedPredecessor() {
        OrderChecker checker = new OrderChecker();
        checker.add(new Handling("a", "k", 0, 10, 20));
        checker.add(new Handling("a", "k", 2, 30, 40));

        List<String> overtakings = checker.overtakings();

        assertThat(overtakings).singleElement().asString().contains("k#2", "none recorded");
        assertThat(checker.unhandled(Map.of("k", 3L))).containsExactly("k#1");
    }

    @Test
    void catchesOvertakingEvenWhenALaterRepeatIsInOrder() {
        OrderChecker checker = new OrderChecker();
        checker.add(new Handling("a", "k", 0, 10, 20));
        checker.add(new Handling("b", "k", 1, 5, 8)); // overtook
        checker.add(new Handling("a", "k", 1, 21, 22)); // the repeat in order does not excuse it

        List<String> overtakings = checker.overtakings();

        assertThat(overtakings).singleElement().asString().contains("k#1 by b [5, 8]");
    }

    @Test
    void judgesEachKeyOnItsOwn() {
        OrderChecker checker = new OrderChecker();
        checker.add(new Handling("a", "k", 0, 10, 20));
        checker.add(new Handling("b", "other", 0, 11, 12));
        checker.add(new Handling("b", "other", 1, 13, 14)); // overlaps k#0: a different key

        List<String> overtakings = checker.overtakings();

        assertThat(overtakings).isEmpty();
        assertThat(checker.unhandled(Map.of("k", 1L, "other", 2L))).isEmpty();
    }

    @Test
    void reportsEventsThatNoHandlingFinished() {
        OrderChecker checker = new OrderChecker();
        checker.add(new Handling("a", "k", 0, 10, 20));
        checker.add(new Handling("a", "k", 1, 21, NEVER));

        List<String> unhandled = checker.unhandled(Map.of("k", 3L, "silent", 1L));

        assertThat(unhandled).containsExactly("k#1", "k#2", "silent#0");
    }

    @Test
    void recordsHandlingsOfThisJvmOnItsClock() {
        OrderChecker checker = new OrderChecker();

        OrderChecker.Started first = checker.start("a", "k", 0);
        OrderChecker.Started overtaking = checker.start("b", "k", 1);
        long started = System.nanoTime();
        while (System.nanoTime() <= started) {
            Thread.onSpinWait(); // so that the first's end is strictly after the overtaking start
        }
        first.end();
        overtaking.end();
        checker.start("a", "k", 2).end(); // after 1 ended: in order

        assertThat(checker.overtakings()).singleElement().asString().contains("k#1 by b");
        assertThat(checker.handlings()).allMatch(Handling::ended);
        assertThat(checker.startsByInstance()).isEqualTo(Map.of("a", 2L, "b", 1L));
    }

    @Test
    void readsBackTheLinesOfAnotherJvm() {
        OrderChecker checker = new OrderChecker();
        List<String> lines = List.of(
                OrderChecker.endLine("child", 1, 20),
                OrderChecker.startLine("child", 1, "k", 0, 10),
                OrderChecker.startLine("child", 2, "k", 1, 15)); // killed under it: no end line

        checker.addLines(lines);

        assertThat(checker.handlings())
                .containsExactly(new Handling("child", "k", 0, 10, 20), new Handling("child", "k", 1, 15, NEVER));
        assertThat(checker.overtakings()).singleElement().asString().contains("k#1 by child");
    }

    @Test
    void refusesMalformedLines() {
        OrderChecker checker = new OrderChecker();

        assertThatThrownBy(() -> checker.addLines(List.of("S|child|1|k|zero|10")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("S|child|1|k|zero|10");
        assertThatThrownBy(() -> checker.addLines(List.of(OrderChecker.endLine("child", 7, 20))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("child|7");
        assertThatThrownBy(() -> OrderChecker.startLine("child", 1, "a|b", 0, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'a|b'");
    }
}
