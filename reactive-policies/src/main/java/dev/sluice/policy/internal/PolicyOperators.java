package dev.sluice.policy.internal;

import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoOperator;

/** Wraps a {@code Mono} or {@code Flux} in the policy operator; per-subscription state is created in subscribe. */
public final class PolicyOperators {

    private PolicyOperators() {}

    /** Return {@code source} guarded by {@code spec}. */
    public static <T> Mono<T> mono(Mono<T> source, PolicySpec spec) {
        return new PolicyMono<>(source, spec);
    }

    /** Return {@code source} guarded by {@code spec}. */
    public static <T> Flux<T> flux(Flux<T> source, PolicySpec spec) {
        return new PolicyFlux<>(source, spec);
    }

    private static final class PolicyMono<T> extends MonoOperator<T, T> {
        private final PolicySpec spec;

        PolicyMono(Mono<T> source, PolicySpec spec) {
            super(source);
            this.spec = spec;
        }

        @Override
        public void subscribe(CoreSubscriber<? super T> actual) {
            new PolicySubscriber<T>(actual, source, spec, true).start();
        }
    }

    private static final class PolicyFlux<T> extends FluxOperator<T, T> {
        private final PolicySpec spec;

        PolicyFlux(Flux<T> source, PolicySpec spec) {
            super(source);
            this.spec = spec;
        }

        @Override
        public void subscribe(CoreSubscriber<? super T> actual) {
            new PolicySubscriber<T>(actual, source, spec, false).start();
        }
    }
}
