package dev.sluice.bus.internal;

import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.Event;
import dev.sluice.bus.PublishReceipt;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Fan-out of one accepted event to every current subscriber (DESIGN.md promises 2 and 3). Each subscriber gets the
 * event in its inbox or a dead letter for it, whatever happens to the publish afterwards.
 */
public final class Publishing {

    private Publishing() {}

    /** Fan {@code event} out to {@code workers}; the {@code Mono} emits the receipt once every inbox decided. */
    public static <T> Mono<PublishReceipt> fanOut(Event<T> event, SubscriberWorker<T>[] workers) {
        int delivered = 0;
        int overflowed = 0;
        List<Mono<Boolean>> waits = null;
        for (SubscriberWorker<T> worker : workers) {
            if (!worker.accept()) {
                continue; // it left before this event reached it: as if it had been removed a moment sooner
            }
            Inbox<Event<T>> inbox = worker.inbox();
            boolean refusing = worker.storeRefusing();
            // overflow mode (promise 2): dead-letter at once, even into free slots, until the inbox is below half
            if (!refusing && inbox.overflowing()) {
                worker.deadLetterNow(event, DeadLetterReason.INBOX_OVERFLOW).subscribe();
                overflowed++;
                continue;
            }
            int offered = inbox.offer(event);
            if (offered == Inbox.ACCEPTED) {
                delivered++;
            } else if (worker.settings().bestEffort()) {
                worker.drop(); // system events never wait and never become dead letters
            } else if (offered == Inbox.CLOSED) {
                worker.deadLetterNow(event, worker.closingReason()).subscribe();
                overflowed++;
            } else if (refusing || worker.storeRefusing()) {
                waits = add(waits, new RoomWait<>(worker, event).start());
            } else if (worker.settings().deadLetterOnOverflow()) {
                worker.deadLetterNow(event, DeadLetterReason.INBOX_OVERFLOW).subscribe();
                overflowed++;
            } else {
                waits = add(waits, new RoomWait<>(worker, event).start());
            }
        }
        if (waits == null) {
            return Mono.just(new PublishReceipt(event.id(), delivered, overflowed));
        }
        int tookAtOnce = delivered;
        int overflowedAtOnce = overflowed;
        return Flux.merge(waits)
                .reduce(new int[] {tookAtOnce, overflowedAtOnce}, (counts, took) -> {
                    counts[took ? 0 : 1]++;
                    return counts;
                })
                .map(counts -> new PublishReceipt(event.id(), counts[0], counts[1]));
    }

    private static List<Mono<Boolean>> add(@Nullable List<Mono<Boolean>> waits, Mono<Boolean> wait) {
        List<Mono<Boolean>> list = waits == null ? new ArrayList<>(2) : waits;
        list.add(wait);
        return list;
    }
}
