package dev.sluice.bus.internal;

import io.micrometer.context.ContextSnapshot;
import io.micrometer.observation.Observation;
import java.util.function.Predicate;

/**
 * The context an observed publish gives its event: the captured thread locals, without the publisher's observation,
 * and the event's {@code sluice.publish} observation, which its handlings take as their parent. The publish
 * observation is not restored as a thread local: it has usually stopped by the time a handler runs, and a stopped
 * observation must not be made current again; the handling's own observation, its child, is current instead.
 */
final class PublishedContext implements ContextSnapshot {

    private final ContextSnapshot captured;
    private final Observation publish;

    PublishedContext(ContextSnapshot captured, Observation publish) {
        this.captured = captured;
        this.publish = publish;
    }

    /** Return the event's publish observation. */
    Observation publish() {
        return publish;
    }

    @Override
    public <C> C updateContext(C context) {
        return captured.updateContext(context);
    }

    @Override
    public <C> C updateContext(C context, Predicate<Object> keyPredicate) {
        return captured.updateContext(context, keyPredicate);
    }

    @Override
    public Scope setThreadLocals() {
        return captured.setThreadLocals();
    }

    @Override
    public Scope setThreadLocals(Predicate<Object> keyPredicate) {
        return captured.setThreadLocals(keyPredicate);
    }

    // the captured values may be anything the publisher's thread held: never in a log line
    @Override
    public String toString() {
        return "PublishedContext[" + publish + "]";
    }
}
