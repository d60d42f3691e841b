package dev.sluice.bus;

import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.reactivestreams.tck.TestEnvironment;
import reactor.core.publisher.Flux;

/**
 * Reactive Streams TCK for the cold receipts {@code Publisher} that {@link EventBus#publishAll} hands out: one receipt
 * per payload, then completion; an unregistered type fails it.
 */
public class PublishAllTckTest extends PublisherVerification<PublishReceipt> {

    private static final EventType<Long> TICK = EventType.of("tck.tick", Long.class);
    private static final EventType<Long> UNKNOWN = EventType.of("tck.unknown", Long.class);

    private final EventBus bus = EventBus.builder().build().register(TICK);

    public PublishAllTckTest() {
        super(new TestEnvironment(300));
    }

    @Override
    public long maxElementsFromPublisher() {
        return Integer.MAX_VALUE;
    }

    @Override
    public Publisher<PublishReceipt> createPublisher(long elements) {
        return bus.publishAll(TICK, Flux.range(0, (int) elements).map(Integer::longValue));
    }

    @Override
    public Publisher<PublishReceipt> createFailedPublisher() {
        return bus.publishAll(UNKNOWN, Flux.just(1L));
    }
}
