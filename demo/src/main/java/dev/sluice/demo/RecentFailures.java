package dev.sluice.demo;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.SystemEvents;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import reactor.core.Disposable;

/**
 * The last few dead letters of each subscriber, for the status page, read from the bus's observe-only stream of
 * {@code sluice.dead-letter.recorded} (lossy by design: a dashboard must never slow delivery). Thread-safe.
 */
final class RecentFailures implements AutoCloseable {

    static final int KEEP = 8;

    private final Map<String, ConcurrentLinkedDeque<SystemEvents.DeadLetterRecorded>> recent =
            new ConcurrentHashMap<>();
    private final Disposable subscription;

    RecentFailures(EventBus bus) {
        this.subscription = bus.events(SystemEvents.DEAD_LETTER_RECORDED).subscribe(event -> {
            var deque = recent.computeIfAbsent(event.payload().subscriber(), s -> new ConcurrentLinkedDeque<>());
            deque.addFirst(event.payload());
            while (deque.size() > KEEP) {
                deque.pollLast();
            }
        });
    }

    /** Return {@code subscriber}'s recent dead letters as JSON, newest first. */
    ArrayNode json(String subscriber) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        for (SystemEvents.DeadLetterRecorded letter : recent.getOrDefault(subscriber, new ConcurrentLinkedDeque<>())) {
            array.addObject()
                    .put("letterId", letter.letterId())
                    .put("eventId", letter.eventId())
                    .put("reason", letter.reason().name())
                    .put("at", Json.time(letter.at()));
        }
        return array;
    }

    @Override
    public void close() {
        subscription.dispose();
    }
}
