package dev.sluice.bus.internal;

import dev.sluice.bus.EventType;
import dev.sluice.bus.spi.EventTransport;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Where a durable type's events go: the bus's transport, and the type's declaration on it, started at registration
 * and cached once it succeeded (a failed declaration is tried again by the next publish, subscriber or {@code
 * ready()}). Publishes and durable subscribers of the type wait for it. Thread-safe.
 *
 * @param transport the bus's transport
 * @param declared completes once the type is declared on the transport; errors as {@link EventTransport#declare}
 */
record DurableRoute(EventTransport transport, Mono<Void> declared) {

    private static final Logger log = LoggerFactory.getLogger(DurableRoute.class);

    /** Declare {@code type} on {@code transport} now, and return its route. */
    static DurableRoute declare(EventTransport transport, EventType<?> type) {
        Mono<Void> declared = Mono.defer(() -> transport.declare(type))
                .cache(
                        ok -> Duration.ofMillis(Long.MAX_VALUE),
                        error -> Duration.ZERO,
                        () -> Duration.ofMillis(Long.MAX_VALUE));
        declared.subscribe(
                null,
                error -> log.warn(
                        "Declaring durable event type '{}' failed; publishes and subscribers try again",
                        type.name(),
                        error));
        return new DurableRoute(transport, declared);
    }
}
