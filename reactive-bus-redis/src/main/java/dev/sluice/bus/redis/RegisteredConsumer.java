package dev.sluice.bus.redis;

import dev.sluice.bus.SubscriberHealth;
import dev.sluice.bus.spi.Received;
import dev.sluice.bus.spi.TransportConsumer;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * A consumer as {@link RedisStreamTransport#consumer} hands it out: the {@link StreamConsumer} itself, and on close
 * the transport forgets its subscriber, so that it may be subscribed again (and its group deleted). Thread-safe.
 */
final class RegisteredConsumer<T> implements TransportConsumer<T> {

    private final TransportConsumer<T> consumer;
    private final Mono<Void> closing;

    RegisteredConsumer(TransportConsumer<T> consumer, Runnable forget) {
        this.consumer = consumer;
        // doOnTerminate, not doFinally: doFinally runs after the completion reached the subscriber, so one that
        // subscribes the subscriber again at once was refused ("already has a consumer") and saw its old meters
        this.closing = Mono.defer(consumer::close).doOnTerminate(forget).cache();
    }

    @Override
    public Mono<List<Received<T>>> read(int room) {
        return consumer.read(room);
    }

    @Override
    public boolean mayStart(Received<T> entry) {
        return consumer.mayStart(entry);
    }

    @Override
    public Mono<Void> ack(Received<T> entry) {
        return consumer.ack(entry);
    }

    @Override
    public void release(Received<T> entry) {
        consumer.release(entry);
    }

    @Override
    public SubscriberHealth health() {
        return consumer.health();
    }

    @Override
    public Mono<Void> close() {
        return closing;
    }

    @Override
    public String toString() {
        return consumer.toString();
    }
}
