package dev.sluice.bus;

import dev.sluice.bus.internal.SubscriberSettings;
import dev.sluice.bus.internal.WorstCase;
import dev.sluice.policy.Durations;
import dev.sluice.policy.Failure;
import dev.sluice.policy.ResiliencePolicy;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;

/**
 * How one subscriber handles one event type. Immutable; build with {@link #builder(String, EventType, Function)}.
 *
 * <p>Defaults: policy {@link #DEFAULT_POLICY} (30 s timeout, no retry), no fallback, concurrency 1, unordered,
 * inbox {@value #DEFAULT_INBOX_SIZE}, {@link OverflowPolicy#BACKPRESSURE} with {@code maxPublishWait} 250 ms,
 * {@link BreakerOpenPolicy#PAUSE}, shutdown grace 5 s; for durable types, start at {@link StartPosition#NEWEST} and a
 * delivery limit of {@value #DEFAULT_DELIVERY_LIMIT}.
 *
 * <p><b>Durable types</b> (docs/DESIGN.md, "Durable types"; docs/BUS.md, "Durable subscribers"). A subscriber of a
 * {@linkplain EventType#durable() durable} type reads its type's partition streams through the bus's transport,
 * sized by its free inbox slots, and is refused at {@link Builder#build()} if it sets {@link Builder#overflow} or
 * {@link Builder#maxPublishWait} (the stream is its buffer: a publish never waits for it) or if its policy has neither
 * a timeout nor a deadline (a new owner of a partition taken over from a dead instance waits out the worst-case
 * attempt time, which needs a bound). {@link Builder#startFrom} and {@link Builder#deliveryLimit} apply to durable
 * types only. Delivery of a durable type is at-least-once: handlers should be idempotent.
 *
 * @param <T> the payload type
 */
public final class SubscriberSpec<T> {

    /** Default inbox capacity. */
    public static final int DEFAULT_INBOX_SIZE = 1024;
    /** Default longest wait of a publish for room in a {@code BACKPRESSURE} inbox. */
    public static final Duration DEFAULT_MAX_PUBLISH_WAIT = Duration.ofMillis(250);
    /** Default grace given to in-flight handlers when the subscriber is disposed. */
    public static final Duration DEFAULT_DISPOSE_GRACE = Duration.ofSeconds(5);
    /** Default limit of deliveries of a durable entry that ended in no outcome (the process died under it). */
    public static final int DEFAULT_DELIVERY_LIMIT = 5;
    /** Default policy: a 30 s timeout per event, no retry. */
    public static final ResiliencePolicy DEFAULT_POLICY = ResiliencePolicy.builder("sluice-default")
            .timeout(Duration.ofSeconds(30))
            .build();

    // the one resolved copy of the settings: the bus hands it to the subscriber's worker as it is
    final SubscriberSettings<T> settings;

    private SubscriberSpec(SubscriberSettings<T> settings) {
        this.settings = settings;
    }

    /**
     * Start a spec: subscriber {@code name} (unique on the bus) handles events of {@code type} with {@code handler},
     * whose publisher's completion means success (its values are ignored). A handler that throws or returns null
     * fails that event (handled by the policy chain), never the bus.
     */
    public static <T> Builder<T> builder(
            String name, EventType<T> type, Function<? super Event<T>, ? extends @Nullable Publisher<?>> handler) {
        return new Builder<>(name, type, handler);
    }

    /** Return the subscriber's name. */
    public String name() {
        return settings.name();
    }

    /** Return the event type it handles. */
    public EventType<T> type() {
        return settings.type();
    }

    /** Return its policy. */
    public ResiliencePolicy policy() {
        return settings.policy();
    }

    /** Builds a {@link SubscriberSpec}; setters validate at once. Not thread-safe. */
    public static final class Builder<T> {
        private final String name;
        private final EventType<T> type;
        private final Function<? super Event<T>, ? extends @Nullable Publisher<?>> handler;
        private ResiliencePolicy policy = DEFAULT_POLICY;
        private @Nullable BiFunction<? super Event<T>, Failure, ? extends Publisher<?>> fallback;
        private int concurrency = 1;
        private boolean orderedByKey;
        private int inboxSize = DEFAULT_INBOX_SIZE;
        private OverflowPolicy overflow = OverflowPolicy.BACKPRESSURE;
        private Duration maxPublishWait = DEFAULT_MAX_PUBLISH_WAIT;
        private BreakerOpenPolicy onBreakerOpen = BreakerOpenPolicy.PAUSE;
        private Duration disposeGrace = DEFAULT_DISPOSE_GRACE;
        private @Nullable RateLimiterConfig pacing;
        private @Nullable RedrivePolicy redrive;
        private StartPosition startFrom = StartPosition.NEWEST;
        private int deliveryLimit = DEFAULT_DELIVERY_LIMIT;
        // set explicitly: refused for durable types, or (the last two) for in-process ones, in build()
        private boolean overflowSet;
        private boolean maxPublishWaitSet;
        private boolean startFromSet;
        private boolean deliveryLimitSet;

        private Builder(
                String name, EventType<T> type, Function<? super Event<T>, ? extends @Nullable Publisher<?>> handler) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("subscriber name must not be blank, but was '" + name + "'");
            }
            this.name = name;
            this.type = Objects.requireNonNull(type, "type");
            this.handler = Objects.requireNonNull(handler, "handler");
        }

        /**
         * Handle events under {@code policy}.
         *
         * @throws IllegalArgumentException if the policy carries its own fallback (use {@link #fallback} instead, so
         *     {@code RECOVERED} always means the subscriber's fallback ran)
         */
        public Builder<T> policy(ResiliencePolicy policy) {
            Objects.requireNonNull(policy, "policy");
            if (policy.hasFallback()) {
                throw new IllegalArgumentException("policy '" + policy.name() + "' carries its own fallback; give "
                        + "subscriber '" + name + "' a fallback instead");
            }
            this.policy = policy;
            return this;
        }

        /** Recover from an event's final failure with {@code fallback}; its completion means {@code RECOVERED}. */
        public Builder<T> fallback(BiFunction<? super Event<T>, Failure, ? extends Publisher<?>> fallback) {
            this.fallback = Objects.requireNonNull(fallback, "fallback");
            return this;
        }

        /** Handle up to {@code concurrency} events at once; {@code >= 1}. */
        public Builder<T> concurrency(int concurrency) {
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be >= 1, but was " + concurrency);
            }
            this.concurrency = concurrency;
            return this;
        }

        /** Handle events with the same key one at a time, in the order the bus accepted them. */
        public Builder<T> orderedByKey(boolean orderedByKey) {
            this.orderedByKey = orderedByKey;
            return this;
        }

        /** Bound the inbox to {@code inboxSize} events; {@code >= 1}. */
        public Builder<T> inboxSize(int inboxSize) {
            if (inboxSize < 1) {
                throw new IllegalArgumentException("inboxSize must be >= 1, but was " + inboxSize);
            }
            this.inboxSize = inboxSize;
            return this;
        }

        /** Choose what a publish does when the inbox is full; refused for durable types (see {@link #build()}). */
        public Builder<T> overflow(OverflowPolicy overflow) {
            this.overflow = Objects.requireNonNull(overflow, "overflow");
            this.overflowSet = true;
            return this;
        }

        /**
         * Set how long a publish may wait for room in a {@code BACKPRESSURE} inbox; {@code > 0}. Refused for durable
         * types (see {@link #build()}).
         */
        public Builder<T> maxPublishWait(Duration maxPublishWait) {
            this.maxPublishWait = Durations.requirePositive("maxPublishWait", maxPublishWait);
            this.maxPublishWaitSet = true;
            return this;
        }

        /**
         * Start this durable subscriber's consumer group at {@code startFrom} when the group is first created (default
         * {@link StartPosition#NEWEST}: only events published from then on); an existing group keeps its position.
         * Durable types only (see {@link #build()}).
         */
        public Builder<T> startFrom(StartPosition startFrom) {
            this.startFrom = Objects.requireNonNull(startFrom, "startFrom");
            this.startFromSet = true;
            return this;
        }

        /**
         * Dead-letter a durable entry as {@code DELIVERY_LIMIT}, without calling the handler, once more than {@code
         * deliveryLimit} of its deliveries ended in no outcome because the process handling it died (default {@value
         * SubscriberSpec#DEFAULT_DELIVERY_LIMIT}; rebalances and clean handovers do not count); {@code >= 1}. Durable
         * types only (see {@link #build()}).
         */
        public Builder<T> deliveryLimit(int deliveryLimit) {
            if (deliveryLimit < 1) {
                throw new IllegalArgumentException("deliveryLimit must be >= 1, but was " + deliveryLimit);
            }
            this.deliveryLimit = deliveryLimit;
            this.deliveryLimitSet = true;
            return this;
        }

        /** Choose what happens while the breaker is open. */
        public Builder<T> onBreakerOpen(BreakerOpenPolicy onBreakerOpen) {
            this.onBreakerOpen = Objects.requireNonNull(onBreakerOpen, "onBreakerOpen");
            return this;
        }

        /** Set the grace given to in-flight handlers on dispose; {@code > 0}. */
        public Builder<T> disposeGrace(Duration disposeGrace) {
            this.disposeGrace = Durations.requirePositive("disposeGrace", disposeGrace);
            return this;
        }

        /**
         * Take at most {@code events} events from the inbox per {@code period} (a token bucket on inbox demand: on a
         * bus, rate limiting is pacing, not rejection — events wait in the inbox, with backpressure, instead of
         * failing). Default: no pacing.
         */
        public Builder<T> pacing(int events, Duration period) {
            if (events < 1) {
                throw new IllegalArgumentException("pacing events must be >= 1, but was " + events);
            }
            this.pacing = RateLimiterConfig.custom()
                    .limitForPeriod(events)
                    .limitRefreshPeriod(Durations.requirePositive("period", period))
                    .timeoutDuration(Duration.ZERO)
                    .build();
            return this;
        }

        /**
         * Redrive this subscriber's dead letters on a schedule (default: never; manual redrive through {@link
         * EventBus#redrive(DeadLetterQuery)} always works). Needs a store that supports scheduling (the in-memory
         * and Redis stores do).
         */
        public Builder<T> redrive(RedrivePolicy redrive) {
            this.redrive = Objects.requireNonNull(redrive, "redrive");
            return this;
        }

        /**
         * Build the spec.
         *
         * @throws IllegalStateException if the subscriber is ordered by key and its policy hedges; for a durable type: if {@link #overflow} or {@link #maxPublishWait} was set,
         *     or the policy has neither a timeout nor a deadline; for an in-process type: if {@link #startFrom} or
         *     {@link #deliveryLimit} was set
         */
        public SubscriberSpec<T> build() {
            if (orderedByKey && policy.hedge() != null) {
                throw new IllegalStateException("subscriber '" + name + "' is ordered by key, but policy '"
                        + policy.name() + "' hedges: a hedge runs a second handling of one event beside the first,"
                        + " which would break the order promise (docs/DESIGN.md promise 4); use a policy without a"
                        + " hedge, or an unordered subscriber");
            }
            if (type.durability() != null) {
                refuseForDurable();
            } else if (startFromSet || deliveryLimitSet) {
                throw new IllegalStateException("subscriber '" + name + "' sets "
                        + (startFromSet ? "startFrom" : "deliveryLimit")
                        + ", which applies to durable types only, but event type '" + type.name() + "' is in-process");
            }
            return new SubscriberSpec<>(new SubscriberSettings<>(
                    name,
                    type,
                    handler,
                    policy,
                    fallback,
                    concurrency,
                    orderedByKey,
                    inboxSize,
                    overflow,
                    maxPublishWait,
                    onBreakerOpen,
                    disposeGrace,
                    pacing,
                    redrive,
                    startFrom,
                    deliveryLimit));
        }

        private void refuseForDurable() {
            if (overflowSet || maxPublishWaitSet) {
                throw new IllegalStateException("subscriber '" + name + "' of durable event type '" + type.name()
                        + "' sets " + (overflowSet ? "overflow" : "maxPublishWait")
                        + ", but a durable subscriber has no overflow and never makes a publish wait: its partition"
                        + " streams are its buffer, read only as fast as its inbox has room (docs/DESIGN.md, \"Durable"
                        + " types\")");
            }
            if (WorstCase.of(policy) == null) {
                throw new IllegalStateException("subscriber '" + name + "' of durable event type '" + type.name()
                        + "' needs a policy with a timeout or a deadline, but policy '" + policy.name() + "' has"
                        + " neither: a new owner of a partition taken over from a dead instance waits out the"
                        + " worst-case attempt time before it starts a handler, and that wait needs a bound");
            }
        }
    }
}
