package dev.sluice.policy.internal;

import dev.sluice.policy.DeadlineExceededException;
import dev.sluice.policy.ErrorClass;
import dev.sluice.policy.Failure;
import dev.sluice.policy.PolicyTimeoutException;
import dev.sluice.policy.RetriesExhaustedException;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RequestNotPermitted;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CorePublisher;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * One guarded call: runs attempts one after another under the policy's parts, in the fixed order
 * {@code Fallback ∘ Deadline ∘ Retry ∘ Hedge ∘ CircuitBreaker ∘ RateLimiter ∘ Timeout ∘ Bulkhead ∘ source}.
 *
 * <p>Pay on failure: on the happy path it allocates itself and one {@link Attempt}, arms no timer when the source
 * completes during subscribe, and builds no retry machinery; backoff, exceptions and fallback exist only after a
 * failure. Demand is kept across attempts: a new attempt's subscription receives everything requested downstream
 * (attempts are only repeated before any item was emitted, so no item is ever emitted twice).
 *
 * <p>A hedging policy (a {@code Mono} only) adds one {@link HedgeRound} per round, whose delay timer is armed only if
 * an attempt is still running after subscribe. Each hedged attempt takes its own breaker, rate-limiter and bulkhead
 * permits and has its own timeout; a cancelled loser releases its permits unrecorded, as a downstream cancel does. A
 * policy without a hedge pays one int test per attempt for it.
 */
final class PolicySubscriber<T> implements Subscription {

    @SuppressWarnings("rawtypes")
    private static final AtomicLongFieldUpdater<PolicySubscriber> REQUESTED =
            AtomicLongFieldUpdater.newUpdater(PolicySubscriber.class, "requested");

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<PolicySubscriber> WIP =
            AtomicIntegerFieldUpdater.newUpdater(PolicySubscriber.class, "wip");

    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<PolicySubscriber, Subscription> PENDING =
            AtomicReferenceFieldUpdater.newUpdater(PolicySubscriber.class, Subscription.class, "pending");

    final CoreSubscriber<? super T> actual;
    private final CorePublisher<? extends T> source; // subscribed directly: no assembly hooks per attempt
    final PolicySpec spec;
    private final boolean mono;
    private final long deadlineAt;

    private int attempts;
    private @Nullable Throwable lastError; // the last attempt's failure: what a fallback sees (Failure's contract)
    private volatile boolean emitted;
    private volatile boolean cancelled;
    private volatile @Nullable Attempt<T> current;
    private volatile @Nullable HedgeRound<T> round; // a hedging policy's current round; null without hedging
    private volatile @Nullable Disposable retryTask;
    private volatile @Nullable FallbackSubscriber<T> fallback;

    // demand arbiter (Flux): downstream demand is forwarded to whichever subscription is current;
    // a Mono uses only requested (0 or not) and pending, see setUpstream
    private volatile long requested;

    @SuppressWarnings("UnusedVariable") // read and written through the field updater WIP, which Error Prone cannot see
    private volatile int wip;

    private volatile @Nullable Subscription pending;
    private @Nullable Subscription upstream;
    private long forwarded;

    private final @Nullable Function<Failure, ? extends Publisher<?>> fallbackFunction;

    PolicySubscriber(
            CoreSubscriber<? super T> actual,
            CorePublisher<? extends T> source,
            PolicySpec spec,
            boolean mono,
            @Nullable Function<Failure, ? extends Publisher<?>> fallbackFunction) {
        this.fallbackFunction = fallbackFunction;
        this.actual = mono ? actual : Operators.serialize(actual); // a Flux's timer may race its items
        this.source = source;
        this.spec = spec;
        this.mono = mono;
        this.deadlineAt = spec.deadlineNanos == 0 ? 0 : now() + spec.deadlineNanos;
    }

    void start() {
        actual.onSubscribe(this);
        startAttempt();
    }

    private long now() {
        return spec.scheduler.now(TimeUnit.NANOSECONDS);
    }

    private void retry() {
        retryTask = null;
        startAttempt();
    }

    private void startAttempt() {
        if (cancelled) {
            return;
        }
        HedgeRound<T> hedged = null;
        PolicySpec s = spec;
        if (s.hedgeTotal != 0) {
            hedged = new HedgeRound<>(this, s.hedgeTotal - 1, s.hedgeDelayNanos, s.scheduler);
            round = hedged;
        }
        launch(hedged, 0);
    }

    /**
     * Take an attempt's permits and subscribe it: the primary (index 0) of each round, or a hedge of {@code hedged}. A
     * refused primary ends the call; a refused hedge only stops the round from starting more.
     */
    void launch(@Nullable HedgeRound<T> hedged, int index) {
        PolicySpec s = spec;
        CircuitBreaker breaker = s.breaker;
        if (breaker != null && !acquire(breaker)) {
            if (!refusedHedge(hedged, index)) {
                rejected(CallNotPermittedException.createCallNotPermittedException(breaker));
            }
            return;
        }
        RateLimiter limiter = s.rateLimiter;
        if (limiter != null && !limiter.acquirePermission()) {
            if (breaker != null) {
                breaker.releasePermission();
            }
            if (!refusedHedge(hedged, index)) {
                rejected(RequestNotPermitted.createRequestNotPermitted(limiter));
            }
            return;
        }
        long start = breaker == null ? 0 : breaker.getCurrentTimestamp();
        Bulkhead bulkhead = s.bulkhead;
        if (bulkhead != null && !bulkhead.tryAcquirePermission()) {
            if (breaker != null) {
                breaker.releasePermission();
            }
            if (!refusedHedge(hedged, index)) {
                rejected(BulkheadFullException.createBulkheadFullException(bulkhead));
            }
            return;
        }
        Attempt<T> attempt = new Attempt<>(this, start);
        boolean abandoned;
        if (index == 0) {
            attempts++;
            current = attempt;
            abandoned = hedged != null && !hedged.register(attempt, 0);
        } else {
            abandoned = !Objects.requireNonNull(hedged, "hedged").register(attempt, index); // hedges have a round
        }
        if ((abandoned || cancelled) && attempt.tryFinish()) { // cancel() or the round's end may have missed it
            releasePermits(attempt);
            return;
        }
        if (index != 0) {
            s.counters.hedges.increment();
        }
        source.subscribe(attempt);
        if (attempt.done == 0) {
            if (s.timeoutNanos != 0 || deadlineAt != 0) {
                armTimer(attempt);
            }
            if (hedged != null) {
                hedged.running();
            }
        }
    }

    /** Report a refused hedge to its round; return false for a primary, whose refusal ends the call. */
    private static <T> boolean refusedHedge(@Nullable HedgeRound<T> hedged, int index) {
        if (index == 0 || hedged == null) {
            return false;
        }
        hedged.refused();
        return true;
    }

    private boolean acquire(CircuitBreaker breaker) {
        boolean permitted = breaker.tryAcquirePermission();
        spec.observeBreaker(breaker); // permission may have moved OPEN to HALF_OPEN
        return permitted;
    }

    private void armTimer(Attempt<T> attempt) {
        long delay = spec.timeoutNanos;
        if (deadlineAt != 0) {
            long remaining = deadlineAt - now();
            if (delay == 0 || remaining < delay) {
                delay = Math.max(remaining, 0);
                attempt.timerIsDeadline = true;
            }
        }
        if (spec.scheduler instanceof WheelScheduler wheel && delay > 0) {
            attempt.wheelTimeout = wheel.newTimeout(attempt, delay, TimeUnit.NANOSECONDS);
        } else {
            attempt.timer = spec.scheduler.schedule(attempt, delay, TimeUnit.NANOSECONDS);
        }
        if (attempt.done != 0) {
            attempt.disposeTimer(); // finished while the timer was armed
        }
    }

    /**
     * For a Flux, mark that an item is on its way downstream before the attempt's state is read. Paired with the
     * timer's "finish, then read emitted", one of the two always sees the other, so a retry or fallback never repeats
     * an item (a Mono holds its value until the attempt is won, so it needs nothing here).
     */
    void aboutToEmit() {
        if (!mono && !emitted) {
            emitted = true;
        }
    }

    void attemptNext(Attempt<T> attempt, T value) {
        if (mono) {
            if (attempt.tryFinish()) {
                attemptSucceeded(attempt, value);
            } else {
                Operators.onNextDropped(value, actual.currentContext());
            }
            return;
        }
        emitted = true;
        actual.onNext(value);
    }

    void attemptSucceeded(Attempt<T> attempt, @Nullable T value) {
        attempt.disposeTimer();
        Bulkhead bulkhead = spec.bulkhead;
        if (bulkhead != null) {
            bulkhead.onComplete();
        }
        CircuitBreaker breaker = spec.breaker;
        if (breaker != null) {
            BreakerOutcomes.success(breaker, attempt.startTimestamp, actual.currentContext());
            spec.observeBreaker(breaker);
        }
        HedgeRound<T> hedged = spec.hedgeTotal == 0 ? null : round;
        if (hedged != null && !hedged.win(attempt)) {
            if (value != null) {
                Operators.onDiscard(value, actual.currentContext()); // another attempt ended the round first
            }
            return;
        }
        spec.counters.success.increment();
        if (value != null) {
            actual.onNext(value);
        }
        actual.onComplete();
    }

    void attemptTimedOut(Attempt<T> attempt) {
        if (attempt.timerIsDeadline) {
            releasePermits(attempt); // the call ran out of budget; says nothing certain about the dependency
            HedgeRound<T> hedged = spec.hedgeTotal == 0 ? null : round;
            if (hedged != null && !hedged.decide()) {
                return; // the round ended otherwise meanwhile (a hedge won, or failed for good)
            }
            Throwable last = lastError;
            // a deadline timer exists only when the policy has a deadline
            Duration deadline = Objects.requireNonNull(spec.deadline, "deadline");
            DeadlineExceededException expired = new DeadlineExceededException(spec.name, deadline, attempts, last);
            finish(expired, last != null ? last : expired, false);
            return;
        }
        spec.counters.timeouts.increment();
        // an attempt timer that is not the deadline exists only when the policy has a timeout
        attemptFailed(attempt, new PolicyTimeoutException(spec.name, Objects.requireNonNull(spec.timeout, "timeout")));
    }

    void attemptFailed(Attempt<T> attempt, Throwable error) {
        attempt.disposeTimer();
        Bulkhead bulkhead = spec.bulkhead;
        if (bulkhead != null) {
            bulkhead.onComplete();
        }
        ErrorClass errorClass = classify(error);
        CircuitBreaker breaker = spec.breaker;
        if (breaker != null) {
            if (errorClass == ErrorClass.IGNORED) {
                breaker.releasePermission();
            } else {
                BreakerOutcomes.error(breaker, attempt.startTimestamp, error, actual.currentContext());
            }
            spec.observeBreaker(breaker);
        }
        HedgeRound<T> hedged = spec.hedgeTotal == 0 ? null : round;
        if (hedged != null) {
            hedged.failed(attempt, error, errorClass); // calls afterFailure when the round's outcome is a failure
            return;
        }
        afterFailure(error, errorClass);
    }

    /** Go on after the attempt (or, when hedging, the round) failed with {@code error}: retry, or end the call. */
    void afterFailure(Throwable error, ErrorClass errorClass) {
        lastError = error;
        if (cancelled) {
            return;
        }
        if (emitted) {
            spec.counters.failed.increment();
            actual.onError(error); // items already went downstream: neither retry nor fallback may repeat them
            return;
        }
        if (errorClass == ErrorClass.RETRYABLE && attempts < spec.maxAttempts) {
            scheduleRetry(error);
            return;
        }
        Throwable signal = errorClass == ErrorClass.RETRYABLE && spec.retry != null
                ? new RetriesExhaustedException(spec.name, attempts, error)
                : error;
        finish(signal, error, false);
    }

    /** Classify with the policy's classifier; one that throws makes the error permanent (its failure suppressed). */
    private ErrorClass classify(Throwable error) {
        try {
            return spec.classifier.classify(error);
        } catch (RuntimeException classifierError) {
            error.addSuppressed(classifierError);
            return ErrorClass.PERMANENT;
        }
    }

    private void scheduleRetry(Throwable error) {
        // maxAttempts is 1 without retry settings, so a retry is scheduled only with them
        long delay = Backoffs.delayNanos(Objects.requireNonNull(spec.retry, "retry"), attempts, error);
        if (deadlineAt != 0 && now() + delay >= deadlineAt) {
            Duration deadline = Objects.requireNonNull(spec.deadline, "deadline"); // deadlineAt is 0 without one
            finish(new DeadlineExceededException(spec.name, deadline, attempts, error), error, false);
            return;
        }
        spec.counters.retries.increment();
        Disposable task = spec.scheduler.schedule(this::retry, delay, TimeUnit.NANOSECONDS);
        retryTask = task;
        if (cancelled) {
            task.dispose();
        }
    }

    void releasePermits(Attempt<T> attempt) {
        attempt.disposeTimer();
        if (spec.bulkhead != null) {
            spec.bulkhead.onComplete();
        }
        if (spec.breaker != null) {
            spec.breaker.releasePermission();
        }
    }

    /** End the call with a rejection; a fallback sees the last attempt's error if a retry was refused. */
    private void rejected(Throwable rejection) {
        Throwable last = lastError;
        finish(rejection, last != null ? last : rejection, true);
    }

    /** End the call with {@code signal}, or with the fallback fed {@code underlying}. */
    private void finish(Throwable signal, Throwable underlying, boolean rejected) {
        if (cancelled) {
            return;
        }
        var recover = fallbackFunction;
        if (recover == null || emitted) { // once items went downstream a fallback would append to them
            (rejected ? spec.counters.rejected : spec.counters.failed).increment();
            actual.onError(signal);
            return;
        }
        Publisher<?> recovery;
        try {
            recovery = recover.apply(new Failure(underlying, attempts, signal));
            if (recovery == null) {
                throw new NullPointerException("fallback of policy '" + spec.name + "' returned null");
            }
        } catch (Throwable fallbackError) {
            Exceptions.throwIfJvmFatal(fallbackError);
            fallbackFailed(fallbackError, underlying);
            return;
        }
        @SuppressWarnings("unchecked") // the fallback promises values of the guarded publisher's type
        Publisher<T> values = (Publisher<T>) recovery;
        FallbackSubscriber<T> subscriber = new FallbackSubscriber<>(this, underlying);
        fallback = subscriber;
        if (cancelled) { // cancel() ran after the check above and could not see the fallback yet
            return;
        }
        (mono ? Mono.from(values) : values).subscribe(subscriber);
    }

    void fallbackFailed(Throwable fallbackError, Throwable underlying) {
        if (fallbackError != underlying) {
            fallbackError.addSuppressed(underlying);
        }
        spec.counters.failed.increment();
        actual.onError(fallbackError);
    }

    void setUpstream(Subscription subscription) {
        if (mono) {
            // A Mono emits at most one value: once there is any demand, ask for everything. The request/pending
            // pair is a Dekker handshake with request(): whichever side sees the other's write hands the demand on,
            // and the CAS on pending makes sure only one of them does.
            if (requested != 0) {
                subscription.request(Long.MAX_VALUE);
                return;
            }
            PENDING.set(this, subscription);
            if (requested != 0 && PENDING.compareAndSet(this, subscription, null)) {
                subscription.request(Long.MAX_VALUE);
            }
            return;
        }
        PENDING.lazySet(this, subscription);
        drain();
    }

    @Override
    public void request(long n) {
        if (!Operators.validate(n)) {
            return;
        }
        if (mono) {
            if (requested == 0) {
                requested = 1;
            }
            Subscription waiting = pending;
            if (waiting != null && PENDING.compareAndSet(this, waiting, null)) {
                waiting.request(Long.MAX_VALUE);
            }
            return;
        }
        Operators.addCap(REQUESTED, this, n);
        drain();
    }

    private void drain() {
        if (WIP.getAndIncrement(this) != 0) {
            return;
        }
        int missed = 1;
        for (; ; ) {
            Subscription next = pending;
            if (next != null) {
                PENDING.compareAndSet(this, next, null);
                upstream = next;
                forwarded = 0;
            }
            Subscription up = upstream;
            long r = requested;
            if (up != null && r != forwarded) {
                long n = r == Long.MAX_VALUE ? Long.MAX_VALUE : r - forwarded;
                forwarded = r;
                up.request(n);
            }
            missed = WIP.addAndGet(this, -missed);
            if (missed == 0) {
                return;
            }
        }
    }

    @Override
    public void cancel() {
        if (cancelled) {
            return;
        }
        cancelled = true;
        Disposable retry = retryTask;
        if (retry != null) {
            retry.dispose();
        }
        HedgeRound<T> hedged = round;
        if (hedged != null) {
            hedged.decide(); // cancels every attempt of the round and its delay timer
        }
        Attempt<T> attempt = current;
        if (attempt != null && attempt.tryFinish()) {
            attempt.cancelUpstream();
            releasePermits(attempt);
        }
        FallbackSubscriber<T> recovery = fallback;
        if (recovery != null) {
            recovery.cancel();
        }
    }

    /** Passes the fallback's signals downstream and counts how the call ended. */
    static final class FallbackSubscriber<T> implements CoreSubscriber<T> {

        @SuppressWarnings("rawtypes")
        private static final AtomicReferenceFieldUpdater<FallbackSubscriber, Subscription> UPSTREAM =
                AtomicReferenceFieldUpdater.newUpdater(FallbackSubscriber.class, Subscription.class, "upstream");

        private final PolicySubscriber<T> parent;
        private final Throwable underlying;
        volatile @Nullable Subscription upstream;

        FallbackSubscriber(PolicySubscriber<T> parent, Throwable underlying) {
            this.parent = parent;
            this.underlying = underlying;
        }

        @Override
        public Context currentContext() {
            return parent.actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (Operators.setOnce(UPSTREAM, this, s)) {
                parent.setUpstream(s);
            }
        }

        @Override
        public void onNext(T value) {
            parent.actual.onNext(value);
        }

        @Override
        public void onError(Throwable error) {
            parent.fallbackFailed(error, underlying);
        }

        @Override
        public void onComplete() {
            parent.spec.counters.recovered.increment();
            parent.actual.onComplete();
        }

        void cancel() {
            Operators.terminate(UPSTREAM, this);
        }
    }
}
