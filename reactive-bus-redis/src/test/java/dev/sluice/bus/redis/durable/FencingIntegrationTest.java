package dev.sluice.bus.redis.durable;

import static dev.sluice.bus.redis.durable.StreamView.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.redis.StreamAudit;
import dev.sluice.testsupport.ChildJvm;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fencing of a paused owner (issue 13, "Tests": a paused owner is fenced). A child JVM owns partitions of a durable
 * subscriber and is frozen with {@code SIGSTOP} while it handles, so its heartbeats stop and its leases run out in Redis
 * (never a short TTL); the survivor in this JVM claims every partition. Then the child resumes ({@code SIGCONT}), before
 * its handlers' 8 s timeouts are due: the handlers it had running finish, and their late acknowledgements are refused
 * ({@code sluice.durable.acks.refused}); it starts no handler under the leases it lost — neither a new event nor the
 * retries whose backoff ran out during the pause — until it owns a partition again under a new lease; every entry it
 * had read is handled again after the resume, by the partition's new owner. Everything is handled, the audit balances,
 * order per key holds. The one call it may still start is that of a thread frozen between its start check and its
 * handler call (at most one per handler slot, one per key): no check can see a pause that comes after it.
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class FencingIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(FencingIntegrationTest.class);

    private static final String TYPE = "fence.step";
    private static final Workload WORK = new Workload(64, 12);
    private static final int FAIL_FIRST_EVERY = 3;
    /**
     * 40 ms handler calls, every third event's first attempt fails (so a retry waits 200 ms), 16 at once; attempts of at
     * most 8 s (longer than the pause), at most 9 s in all (the survivor's takeover wait); 4 s leases, so the pause
     * ends before the handlers' timeouts are due.
     */
    private static final DurableNode.Options OPTIONS = new DurableNode.Options(
            40, FAIL_FIRST_EVERY, 16, 2, Duration.ofSeconds(8), Duration.ofSeconds(9), Duration.ofSeconds(4));

    private static final Pattern REFUSED = Pattern.compile("acks\\.refused=([1-9]\\d*)");

    @Test
    @Timeout(240) // a child JVM can take a minute to start on a loaded machine
    void aPausedOwnerIsFencedItsLateAcksRefusedAndItsEntriesHandledByTheNewOwner(TestRedis redis) throws Exception {
        String uri = redis.uri().toURI().toString();
        StreamView view = new StreamView(redis.connect().sync(), redis.keyPrefix(), TYPE);
        try (ChildJvm child = DurableChild.start(uri, redis.keyPrefix(), TYPE, "child", OPTIONS)) {
            child.awaitOutput(Pattern.compile(Pattern.quote(DurableChild.READY)), Duration.ofSeconds(120));
            await("the child owns every partition", 30, () -> view.holdsAll("child"));
            try (DurableNode survivor = DurableNode.start(uri, redis.keyPrefix(), TYPE, "survivor", OPTIONS)) {
                WORK.publish(survivor, 0);
                await("the child handles", 30, () -> view.startsBy("child") >= 100);

                signal(child, "STOP");
                long resumed;
                List<StreamView.Entry> pendingWhilePaused;
                try {
                    await("the survivor took every partition", 30, () -> view.holdsAll("survivor"));
                    pendingWhilePaused = view.pendingOf("child");
                } finally {
                    resumed = System.nanoTime();
                    signal(child, "CONT");
                }
                long[] reclaimBound = reclaimBounds(view, Duration.ofSeconds(3));
                Matcher refused = child.awaitOutput(REFUSED, Duration.ofSeconds(20));
                WORK.publish(survivor, 1);
                WORK.awaitBalanced(survivor, view, 60);

                OrderChecker order = new OrderChecker();
                order.addLines(view.handlingLines());
                Map<String, Integer> partitionOfKey = view.partitionOfKeys();
                StreamAudit.Group audit = Workload.audit(survivor);
                List<OrderChecker.Handling> late = lateStarts(order, partitionOfKey, resumed, reclaimBound);
                log.info(
                        "fencing: {} entries pending for the paused child; reclaim bounds after resume (ms) {};"
                                + " refused acks {}; starts {}; late starts {}; audit {}",
                        pendingWhilePaused.size(),
                        Arrays.stream(reclaimBound)
                                .map(b -> TimeUnit.NANOSECONDS.toMillis(b - resumed))
                                .boxed()
                                .toList(),
                        refused.group(1),
                        order.startsByInstance(),
                        late.stream()
                                .map(h -> describe(h, partitionOfKey, resumed))
                                .toList(),
                        audit);

                assertThat(pendingWhilePaused)
                        .as("the paused child held entries read and not acknowledged")
                        .isNotEmpty();
                assertThat(notHandledAgain(order, pendingWhilePaused, resumed))
                        .as("entries the paused child had read and no handling started after the resume finished")
                        .isEmpty();
                // the one gap (docs/durable-events.md, Status): a thread frozen between an attempt's start check and
                // its handler call makes that one call after the resume; a missing check would start every entry the
                // child had read, several of one key in a row
                assertThat(late)
                        .as("handler calls the resumed child started under a lease it had lost: at most one per"
                                + " handler slot")
                        .hasSizeLessThanOrEqualTo(OPTIONS.concurrency());
                assertThat(late.stream()
                                .collect(Collectors.groupingBy(OrderChecker.Handling::key, Collectors.counting())))
                        .as("late calls per key: only the one whose check passed before the pause")
                        .allSatisfy((key, calls) -> assertThat(calls).isOne());
                assertThat(Long.parseLong(refused.group(1)))
                        .as("late acks refused")
                        .isPositive();
                assertThat(order.unhandled(WORK.published()))
                        .as("events never handled")
                        .isEmpty();
                assertThat(audit.published()).isEqualTo(WORK.total());
                assertThat(audit.acked()).as("audit: published = acked").isEqualTo(audit.published());
                assertThat(order.overtakings()).as("order per key").isEmpty();
            }
        }
    }

    /**
     * Poll the leases for {@code period} after the resume; return for each partition a time before which the child
     * cannot have claimed it again: the send time of the last poll that saw it held by someone else (or by no one).
     */
    private static long[] reclaimBounds(StreamView view, Duration period) {
        long[] bound = new long[StreamView.PARTITIONS];
        boolean[] reclaimed = new boolean[StreamView.PARTITIONS];
        long end = System.nanoTime() + period.toNanos();
        for (long now = System.nanoTime(); now - end < 0; now = System.nanoTime()) {
            List<@Nullable String> holders = view.holders();
            for (int p = 0; p < bound.length; p++) {
                if (!reclaimed[p]) {
                    if ("child".equals(holders.get(p))) {
                        reclaimed[p] = true;
                    } else {
                        bound[p] = now;
                    }
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
        return bound;
    }

    /** Return the child's handler calls that started after the resume and before it could have reclaimed the partition. */
    private static List<OrderChecker.Handling> lateStarts(
            OrderChecker order, Map<String, Integer> partitionOfKey, long resumed, long[] reclaimBound) {
        List<OrderChecker.Handling> late = new ArrayList<>();
        for (OrderChecker.Handling h : order.handlings()) {
            Integer p = partitionOfKey.get(h.key());
            if (h.instance().equals("child")
                    && p != null
                    && h.startNanos() > resumed
                    && h.startNanos() < reclaimBound[p]) {
                late.add(h);
            }
        }
        return late;
    }

    private static String describe(OrderChecker.Handling h, Map<String, Integer> partitionOfKey, long resumed) {
        return h + " (partition " + partitionOfKey.get(h.key()) + ", " + (h.startNanos() - resumed) / 1_000_000
                + " ms after the resume"
                + (h.seq() % FAIL_FIRST_EVERY == 0 ? ", an event whose first attempt fails" : "")
                + ")";
    }

    private static Set<String> notHandledAgain(OrderChecker order, List<StreamView.Entry> pending, long resumed) {
        Set<String> again = order.handlings().stream()
                .filter(h -> h.startNanos() > resumed && h.ended())
                .map(h -> h.key() + "#" + h.seq())
                .collect(Collectors.toSet());
        return pending.stream()
                .map(StreamView.Entry::event)
                .filter(event -> !again.contains(event))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static void signal(ChildJvm child, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(child.pid()))
                .inheritIO()
                .start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).as("kill -" + signal).isTrue();
        assertThat(kill.exitValue()).as("kill -" + signal).isZero();
    }
}
