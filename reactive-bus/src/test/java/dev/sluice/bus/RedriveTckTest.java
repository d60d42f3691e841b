package dev.sluice.bus;

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
                .concatMap(i -> store.write(RedriveTest.letter(
                        subscriber, "L" + i, PLACED.name(), "payload-" + i, DeadLetterReason.PERMANENT_ERROR)))
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
}
