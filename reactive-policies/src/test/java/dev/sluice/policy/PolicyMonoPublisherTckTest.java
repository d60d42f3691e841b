package dev.sluice.policy;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.reactivestreams.tck.TestEnvironment;
import reactor.core.publisher.Mono;

/** Reactive Streams TCK for the policy operator guarding a {@code Mono} (at most one element). */
public class PolicyMonoPublisherTckTest extends PublisherVerification<Long> {

    public PolicyMonoPublisherTckTest() {
        super(new TestEnvironment(300));
    }

    @Override
    public long maxElementsFromPublisher() {
        return 1;
    }

    @Override
    public Publisher<Long> createPublisher(long elements) {
        Mono<Long> source = elements == 0 ? Mono.empty() : Mono.fromCallable(() -> 42L);
        return policy().apply(source);
    }

    @Override
    public Publisher<Long> createFailedPublisher() {
        return policy().apply(Mono.error(new IllegalStateException("failed publisher")));
    }

    private static ResiliencePolicy policy() {
        return ResiliencePolicy.builder("tck-mono")
                .timeout(Duration.ofMinutes(10))
                .retry(3)
                .circuitBreaker(CircuitBreakerConfig.ofDefaults())
                .bulkhead(1_000)
                .build();
    }
}
