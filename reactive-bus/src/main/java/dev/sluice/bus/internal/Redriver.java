package dev.sluice.bus.internal;

import dev.sluice.bus.BusObservations;
import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterQuery;
import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.Event;
import dev.sluice.bus.EventType;
import dev.sluice.bus.Outcome;
import dev.sluice.bus.RedrivePolicy;
import dev.sluice.bus.RedriveResult;
import dev.sluice.bus.RedriveResult.Status;
import dev.sluice.bus.SystemEvents;
import dev.sluice.policy.Failure;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.observation.Observation;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Redrives one subscriber's dead letters through that subscriber's own chain (policy, handler, fallback; docs/DESIGN.md
 * "Dead letters in Redis"): on request, on the subscriber's {@link RedrivePolicy} schedule, and {@code CIRCUIT_OPEN}
 * letters when its breaker closes. Every letter is claimed (leased) in the store before it runs, so instances sharing a
 * store do not redrive it twice at once. Outcomes are counted here, apart from the subscriber's accounting. Runs only
 * on failure paths: nothing here touches delivery.
 */
final class Redriver<T> {

    private static final Logger log = LoggerFactory.getLogger(Redriver.class);
    /** Lease of a manual redrive when the subscriber has no {@link RedrivePolicy}. */
    static final Duration MANUAL_LEASE = RedrivePolicy.DEFAULT_LEASE;

    private final SubscriberSettings<T> settings;
    private final BusContext bus;
    private final LongAdder[] outcomes = new LongAdder[Status.values().length]; // by ordinal

    Redriver(SubscriberSettings<T> settings, BusContext bus) {
        this.settings = settings;
        this.bus = bus;
        for (Status status : Status.values()) {
            outcomes[status.ordinal()] = new LongAdder();
        }
    }

    /** Return how many redrives ended with {@code status}. */
    long outcomes(Status status) {
        return outcomes[status.ordinal()].sum();
    }

    /**
     * Redrive the letters matching {@code query} (at most its limit), each claimed first; letters are read before the
     * first runs, so a letter replaced by a failed redrive is not met again in the same call.
     */
    Flux<RedriveResult> redrive(DeadLetterQuery query) {
        RedrivePolicy policy = settings.redrive();
        Duration lease = policy == null ? MANUAL_LEASE : policy.lease();
        return bus.store()
                .list(query)
                .collectList()
                .flatMapMany(Flux::fromIterable)
                .flatMap(
                        letter -> bus.store()
                                .claim(
                                        settings.name(),
                                        letter.letterId(),
                                        bus.clock().instant(),
                                        lease)
                                .flatMap(claimed -> run(claimed, query.parked()))
                                .switchIfEmpty(Mono.fromSupplier(() -> count(result(
                                        letter,
                                        Status.SKIPPED,
                                        letter.redriveCount(),
                                        null,
                                        "held by another redrive's lease, or gone")))),
                        settings.concurrency());
    }

    /**
     * Start the schedule of {@code policy}: every poll interval claim the due letters and redrive them, except while
     * {@code breaker} is open or the subscriber is {@code busy} with live events; and, if the policy says so, redrive {@code CIRCUIT_OPEN} letters when the breaker
     * closes.
     *
     * @return what stops it
     */
    Disposable start(RedrivePolicy policy, @Nullable CircuitBreaker breaker, BooleanSupplier busy) {
        Disposable polling = Flux.interval(policy.pollInterval(), bus.scheduler())
                .onBackpressureDrop()
                // live events first: a redrive claimed while the inbox is backed up would compete with them for the
                // handler, keep the inbox full and turn more live events into overflow letters
                .concatMap(tick -> breakerOpen(breaker) || busy.getAsBoolean() ? Mono.empty() : redriveDue(policy), 1)
                .subscribe();
        if (breaker == null || !policy.redriveCircuitOpenOnClose()) {
            return polling;
        }
        Disposable onClose = settings.policy()
                .events()
                .filter(change -> change.to() == CircuitBreaker.State.CLOSED)
                .concatMap(
                        change -> redrive(DeadLetterQuery.of(settings.name())
                                        .withReason(DeadLetterReason.CIRCUIT_OPEN)
                                        .withPage(0, policy.batchSize()))
                                .onErrorResume(error -> logged("redrive of CIRCUIT_OPEN letters", error)),
                        1)
                .subscribe();
        return Disposables.composite(polling, onClose);
    }

    private static boolean breakerOpen(@Nullable CircuitBreaker breaker) {
        if (breaker == null) {
            return false;
        }
        CircuitBreaker.State state = breaker.getState();
        return state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN;
    }

    private Mono<Void> redriveDue(RedrivePolicy policy) {
        return bus.store()
                .claimDue(settings.name(), bus.clock().instant(), policy.lease(), policy.batchSize())
                .flatMap(letter -> run(letter, false), settings.concurrency())
                .onErrorResume(error -> logged("scheduled redrive", error))
                .then();
    }

    private <X> Mono<X> logged(String what, Throwable error) {
        // the letters stay in the store, due again: the next poll (or breaker close) tries again
        log.warn("Subscriber '{}': {} failed; letters stay and are retried later", settings.name(), what, error);
        return Mono.empty();
    }

    /** Run a claimed letter through the chain and record the outcome in the store. */
    private Mono<RedriveResult> run(DeadLetter letter, boolean parked) {
        Event<T> event;
        try {
            event = rebuild(letter);
        } catch (RuntimeException undecodable) {
            DeadLetter parkedLetter = Letters.failedAgain(
                    letter,
                    DeadLetterReason.DESERIALIZATION_FAILED,
                    undecodable,
                    null,
                    0,
                    bus.clock().instant(),
                    bus.instance());
            return park(parkedLetter);
        }
        return Mono.defer(() -> {
            AtomicBoolean recovered = new AtomicBoolean();
            // a redrive is a new handling, long after the event's: a trace of its own, linked to the letter's
            Observation observation = bus.observations().isNoop()
                    ? null
                    : EventObservations.process(bus.observations(), event, settings.name(), 0, true)
                            .highCardinalityKeyValue(
                                    BusObservations.REDRIVE, Integer.toString(letter.redriveCount() + 1));
            return settings.policy()
                    .apply(
                            new HandlerCall<>(settings.handler(), event, settings.name(), observation),
                            failure -> fallBack(event, failure, recovered, observation))
                    .then(Mono.defer(() -> {
                        Status status = recovered.get() ? Status.RECOVERED : Status.DELIVERED;
                        stop(observation, status.name(), null);
                        return delete(letter, status);
                    }))
                    .onErrorResume(error -> {
                        DeadLetter failing = observation == null
                                ? letter
                                : letter.withHeaders(EventObservations.letterEvent(
                                                bus.observations(), event, settings.name(), observation)
                                        .headers());
                        stop(observation, Outcome.DEAD_LETTERED.name(), error instanceof Failed f ? f.error : error);
                        return failedAgain(failing, error, parked);
                    })
                    .doOnCancel(() -> stop(observation, "CANCELLED", null));
        });
    }

    private static void stop(@Nullable Observation observation, String outcome, @Nullable Throwable error) {
        if (observation == null) {
            return;
        }
        observation.lowCardinalityKeyValue(BusObservations.OUTCOME, outcome.toLowerCase(Locale.ROOT));
        if (error != null) {
            observation.error(error);
        }
        observation.stop();
    }

    private Event<T> rebuild(DeadLetter letter) {
        EventType<T> type = settings.type();
        if (!type.name().equals(letter.eventType())) {
            throw new IllegalArgumentException("letter " + letter.letterId() + " is of event type '"
                    + letter.eventType() + "', but subscriber '" + settings.name() + "' handles '" + type.name() + "'");
        }
        T payload = bus.store().decodePayload(letter, type.payloadType());
        String violation = type.violationOf(payload);
        if (violation != null) {
            throw new IllegalArgumentException("payload of letter " + letter.letterId() + " is invalid: " + violation);
        }
        return new Event<>(letter.eventId(), type, letter.eventKey(), payload, letter.headers(), letter.publishedAt());
    }

    private Mono<Void> fallBack(
            Event<T> event, Failure failure, AtomicBoolean recovered, @Nullable Observation observation) {
        var fallback = settings.fallback();
        DeadLetterReason reason = Letters.reasonOf(failure, settings.policy().classifier());
        if (fallback == null) {
            return Mono.error(new Failed(reason, failure.error(), null, failure.attempts()));
        }
        if (observation != null) {
            observation.event(EventObservations.FALLBACK);
        }
        return HandlerCall.recovery(fallback, event, failure, settings.name(), observation)
                .then(Mono.fromRunnable(() -> recovered.set(true)))
                .onErrorMap(fallbackError -> new Failed(
                        DeadLetterReason.FALLBACK_FAILED, fallbackError, failure.error(), failure.attempts()))
                .then();
    }

    private Mono<RedriveResult> delete(DeadLetter letter, Status status) {
        return bus.store()
                .delete(settings.name(), letter.letterId())
                .map(deleted -> count(result(letter, status, letter.redriveCount(), null, null)))
                .onErrorResume(error -> storeFailed(letter, error));
    }

    private Mono<RedriveResult> failedAgain(DeadLetter letter, Throwable error, boolean parked) {
        Failed failed = error instanceof Failed f
                ? f
                : new Failed(DeadLetterReason.PERMANENT_ERROR, error, null, 0); // not expected: the chain recovers
        Instant now = bus.clock().instant();
        DeadLetter again = Letters.failedAgain(
                letter, failed.reason, failed.error, failed.cause, failed.attempts, now, bus.instance());
        RedrivePolicy policy = settings.redrive();
        if (!parked && policy != null && again.redriveCount() >= policy.delays().size()) {
            return park(again);
        }
        Instant next =
                parked || policy == null ? null : now.plus(policy.delays().get(again.redriveCount()));
        return bus.store()
                .replace(again, next)
                .then(Mono.fromSupplier(() -> count(
                        result(again, Status.FAILED, again.redriveCount(), again.reason(), again.errorMessage()))))
                .onErrorResume(storeError -> storeFailed(letter, storeError));
    }

    private Mono<RedriveResult> park(DeadLetter letter) {
        return bus.store()
                .park(letter)
                .then(Mono.fromSupplier(() -> {
                    if (!settings.bestEffort()) {
                        bus.system()
                                .publish(
                                        SystemEvents.DEAD_LETTER_PARKED,
                                        new SystemEvents.DeadLetterParked(
                                                letter.subscriber(),
                                                letter.letterId(),
                                                letter.eventId(),
                                                letter.eventType(),
                                                letter.reason(),
                                                letter.redriveCount(),
                                                letter.lastFailedAt()));
                    }
                    return count(result(
                            letter, Status.PARKED, letter.redriveCount(), letter.reason(), letter.errorMessage()));
                }))
                .onErrorResume(storeError -> storeFailed(letter, storeError));
    }

    private Mono<RedriveResult> storeFailed(DeadLetter letter, Throwable error) {
        try (EventMdc mdc = EventMdc.of(letter.eventId(), letter.headers())) {
            log.warn(
                    "Subscriber '{}': could not record the redrive of letter {}; it stays and will be redriven again",
                    settings.name(),
                    letter.letterId(),
                    error);
        }
        return Mono.just(
                count(result(letter, Status.STORE_FAILED, letter.redriveCount(), null, String.valueOf(error))));
    }

    private RedriveResult result(
            DeadLetter letter,
            Status status,
            int redriveCount,
            @Nullable DeadLetterReason reason,
            @Nullable String error) {
        return new RedriveResult(
                settings.name(), letter.letterId(), letter.eventId(), status, redriveCount, reason, error);
    }

    private RedriveResult count(RedriveResult result) {
        outcomes[result.status().ordinal()].increment();
        return result;
    }

    /** A redrive that failed again, with what its new letter says. Carries no stack trace: only its fields matter. */
    private static final class Failed extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final DeadLetterReason reason;
        final transient Throwable error;
        final transient @Nullable Throwable cause;
        final int attempts;

        Failed(DeadLetterReason reason, Throwable error, @Nullable Throwable cause, int attempts) {
            super(reason + ": " + error, null, false, false);
            this.reason = reason;
            this.error = error;
            this.cause = cause;
            this.attempts = attempts;
        }
    }
}
