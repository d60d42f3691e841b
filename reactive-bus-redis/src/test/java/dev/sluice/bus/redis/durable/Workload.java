package dev.sluice.bus.redis.durable;

import dev.sluice.bus.redis.StreamAudit;
import dev.sluice.bus.redis.durable.DurableNode.Step;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import reactor.core.publisher.Flux;

/**
 * The events of a multi-instance test: {@code keys} keys {@code k0…}, published in two phases of {@code perPhase}
 * events per key, keys interleaved, each key's in sequence order. Blocks the test's thread.
 */
record Workload(int keys, int perPhase) {

    /** Publish phase {@code phase} (0 or 1) through {@code node}'s bus, at most 64 publishes in flight, in order. */
    void publish(DurableNode node, int phase) {
        List<Step> steps = new ArrayList<>();
        for (int seq = phase * perPhase; seq < (phase + 1) * perPhase; seq++) {
            for (int k = 0; k < keys; k++) {
                steps.add(new Step("k" + k, seq));
            }
        }
        Flux.fromIterable(steps)
                .flatMapSequential(step -> node.bus().publish(node.type(), step), 64)
                .then()
                .block(Duration.ofSeconds(30));
    }

    /** Return how many events both phases publish. */
    long total() {
        return 2L * keys * perPhase;
    }

    /** Return every key and how many events it gets in both phases, as {@link OrderChecker#unhandled} takes them. */
    Map<String, Long> published() {
        Map<String, Long> published = new TreeMap<>();
        for (int k = 0; k < keys; k++) {
            published.put("k" + k, 2L * perPhase);
        }
        return published;
    }

    /** Return the subscriber's audit now. */
    static StreamAudit.Group audit(DurableNode node) {
        StreamAudit.Group audit = node.transport()
                .audit(node.type())
                .block(Duration.ofSeconds(30))
                .groups()
                .get(DurableNode.SUBSCRIBER);
        if (audit == null) {
            throw new AssertionError("no audit of group " + DurableNode.SUBSCRIBER);
        }
        return audit;
    }

    /**
     * Wait (at most {@code seconds}) until {@link #balanced}; the failure names the audit, each partition's pending
     * entries by consumer, the events no handling finished, and the lease holders.
     */
    void awaitBalanced(DurableNode node, StreamView view, long seconds) {
        try {
            StreamView.await("every event is acknowledged", seconds, () -> balanced(node));
        } catch (AssertionError e) {
            OrderChecker order = new OrderChecker();
            order.addLines(view.handlingLines());
            throw new AssertionError(
                    e.getMessage() + "; audit " + audit(node) + "; pending by partition and consumer "
                            + view.pendingByConsumer() + "; unhandled " + order.unhandled(published())
                            + "; lease holders " + view.holders(),
                    e);
        }
    }

    /** Return whether both phases were published and every event was acknowledged, none pending. */
    boolean balanced(DurableNode node) {
        StreamAudit.Group audit = audit(node);
        return audit.published() == total() && audit.acked() == audit.published() && audit.pending() == 0;
    }
}
