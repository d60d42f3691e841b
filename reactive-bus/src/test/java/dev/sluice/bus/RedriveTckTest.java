package dev.sluice.bus;

import java.time.Instant;
import java.util.Map;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.reactivestreams.tck.TestEnvironment;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reactive Streams TCK for the cold results {@code Publisher} that {@link EventBus#redrive} hands out: one result per
 * matching letter, then completion; a store that cannot list fails it. The handler always fails, so the letters stay
 * (replaced) and every subscription redrives the same ones again.
 */
public class RedriveTckTest extends PublisherVerification<RedriveResult> {

    private static final EventType<String> PLACED = EventType.of("tck.placed", String.class);
    private static final int MAX = 512;

    public RedriveTckTest() {
        super(new TestEnvironment(300));
    }

    @Override
    public long maxElementsFromPublisher() {
        return MAX;
    }

    @Override
    public Publisher<RedriveResult> createPublisher(long elements) {
        InMemoryDeadLetterStore store = InMemoryDeadLetterStore.create();
        EventBus bus = EventBus.builder().deadLetterStore(store).build();
        String subscriber = "tck-" + elements;
        bus.subscribe(SubscriberSpec.builder(subscriber, PLACED, e -> Mono.error(new IllegalStateException("down")))
                .build());
        Flux.range(0, (int) elements)
                .concatMap(i -> store.write(letter(subscriber, "L" + i)))
                .then()
                .block();
        return bus.redrive(DeadLetterQuery.of(subscriber).withPage(0, MAX));
    }

    @Override
    public Publisher<RedriveResult> createFailedPublisher() {
        DeadLetterStore broken = new RecordingStore() {
            @Override
            public Flux<DeadLetter> list(DeadLetterQuery query) {
                return Flux.error(new IllegalStateException("store cannot list"));
            }
        };
        EventBus bus = EventBus.builder().deadLetterStore(broken).build();
        bus.subscribe(
                SubscriberSpec.builder("tck-failed", PLACED, e -> Mono.empty()).build());
        return bus.redrive(DeadLetterQuery.of("tck-failed"));
    }

    private static DeadLetter letter(String subscriber, String letterId) {
        return new DeadLetter(
                letterId,
                "event-" + letterId,
                PLACED.name(),
                null,
                subscriber,
                "payload-" + letterId,
                Map.of(),
                Instant.EPOCH,
                Instant.EPOCH,
                Instant.EPOCH,
                DeadLetterReason.PERMANENT_ERROR,
                null,
                null,
                null,
                null,
                1,
                0,
                "tck");
    }
}
