package dev.sluice.policy;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.reactivestreams.tck.TestEnvironment;
import reactor.core.publisher.Flux;

/**
 * Reactive Streams TCK for the hand-written policy operator guarding a {@code Flux}, with every part that touches the
 * subscription (timer, retry, breaker, bulkhead) switched on. Runs on the JUnit Platform through testng-engine.
 */
public class PolicyPublisherTckTest extends PublisherVerification<Long> {

    public PolicyPublisherTckTest() {
        super(new TestEnvironment(300));
    }

    @Override
    public Publisher<Long> createPublisher(long elements) {
        return policy().apply(Flux.<Long, Long>generate(() -> 0L, (next, sink) -> {
            if (next < elements) {
                sink.next(next);
            } else {
                sink.complete();
            }
            return next + 1;
        }));
    }

    @Override
    public Publisher<Long> createFailedPublisher() {
        return policy().apply(Flux.error(new IllegalStateException("failed publisher")));
    }

    private static ResiliencePolicy policy() {
        // a timeout far beyond any TCK wait: the timer is armed (and must be cancelled) but never fires
        return ResiliencePolicy.builder("tck")
                .timeout(Duration.ofMinutes(10))
                .retry(RetrySettings.builder()
                        .maxAttempts(3)
                        .minBackoff(Duration.ofMillis(1))
                        .maxBackoff(Duration.ofMillis(1))
                        .build())
                .circuitBreaker(CircuitBreakerConfig.ofDefaults())
                .bulkhead(1_000)
                .build();
    }
}
