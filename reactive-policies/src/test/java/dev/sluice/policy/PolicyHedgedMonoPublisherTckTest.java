package dev.sluice.policy;

import java.io.IOException;
import java.time.Duration;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.reactivestreams.tck.TestEnvironment;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Reactive Streams TCK for the policy operator guarding a {@code Mono} with a hedge: every attempt starts at once
 * (zero delay) and answers on {@code Schedulers.parallel()}, so attempts race to win and the losers are cancelled.
 */
public class PolicyHedgedMonoPublisherTckTest extends PublisherVerification<Long> {

    public PolicyHedgedMonoPublisherTckTest() {
        super(new TestEnvironment(300));
    }

    @Override
    public long maxElementsFromPublisher() {
        return 1;
    }

    @Override
    public Publisher<Long> createPublisher(long elements) {
        Mono<Long> source = elements == 0 ? Mono.empty() : Mono.fromCallable(() -> 42L);
        return policy().apply(source.subscribeOn(Schedulers.parallel()));
    }

    @Override
    public Publisher<Long> createFailedPublisher() {
        return policy().apply(
                        Mono.<Long>error(new IOException("failed publisher")).subscribeOn(Schedulers.parallel()));
    }

    private static ResiliencePolicy policy() {
        return ResiliencePolicy.builder("tck-hedged-mono")
                .timeout(Duration.ofMinutes(10))
                .hedge(2, Duration.ZERO)
                .bulkhead(1_000)
                .build();
    }
}
