package dev.sluice.policy.internal;

import dev.sluice.policy.Failure;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoOperator;

/** Wraps a {@code Mono} or {@code Flux} in the policy operator; per-subscription state is created in subscribe. */
public final class PolicyOperators {

    private PolicyOperators() {}

    /** Return {@code source} guarded by {@code spec}, with the policy's own fallback. */
    public static <T> Mono<T> mono(Mono<T> source, PolicySpec spec) {
        return new PolicyMono<>(source, spec, spec.fallback);
    }

    /** Return {@code source} guarded by {@code spec}, with {@code fallback} instead of the policy's. */
    public static <T> Mono<T> mono(
            Mono<T> source, PolicySpec spec, Function<Failure, ? extends Publisher<? extends T>> fallback) {
        return new PolicyMono<>(source, spec, fallback);
    }

    /** Return {@code source} guarded by {@code spec}. */
    public static <T> Flux<T> flux(Flux<T> source, PolicySpec spec) {
        return new PolicyFlux<>(source, spec, spec.fallback);
    }

    private static final class PolicyMono<T> extends MonoOperator<T, T> {
        private final PolicySpec spec;
        private final @Nullable Function<Failure, ? extends Publisher<?>> fallback;

        PolicyMono(Mono<T> source, PolicySpec spec, @Nullable Function<Failure, ? extends Publisher<?>> fallback) {
            super(source);
            this.spec = spec;
            this.fallback = fallback;
        }

        @Override
        public void subscribe(CoreSubscriber<? super T> actual) {
            new PolicySubscriber<T>(actual, source, spec, true, fallback).start();
        }
    }

    private static final class PolicyFlux<T> extends FluxOperator<T, T> {
        private final PolicySpec spec;
        private final @Nullable Function<Failure, ? extends Publisher<?>> fallback;

        PolicyFlux(Flux<T> source, PolicySpec spec, @Nullable Function<Failure, ? extends Publisher<?>> fallback) {
            super(source);
            this.spec = spec;
            this.fallback = fallback;
        }

        @Override
        public void subscribe(CoreSubscriber<? super T> actual) {
            new PolicySubscriber<T>(actual, source, spec, false, fallback).start();
        }
    }
}
