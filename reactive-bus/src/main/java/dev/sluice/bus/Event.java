package dev.sluice.bus;

import io.micrometer.context.ContextSnapshot;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * An immutable event envelope: a time-ordered id (UUIDv7), its type, an optional key (events with the same key are
 * handled in order by an ordered subscriber), the payload, headers (e.g. {@value #CORRELATION_ID}), and when it was
 * published, and the publisher's {@linkplain #context() context}.
 *
 * @param id time-ordered unique id (UUIDv7 text)
 * @param type the event type
 * @param key the ordering key, or null for unordered
 * @param payload the payload, an instance of {@code type.payloadType()}
 * @param headers string headers; never null
 * @param publishedAt when the bus accepted it, by the bus clock
 * @param context what the publisher's registered {@code ThreadLocalAccessor}s held when it published (Micrometer
 *     context-propagation; never the whole Reactor {@code Context}), restored while a handler of this event is called
 *     (docs/observability.md); in this process only: it is not stored with durable events or dead letters, and not
 *     part of {@link #equals(Object)}
 * @param <T> the payload type
 */
public record Event<T>(
        String id,
        EventType<T> type,
        @Nullable String key,
        T payload,
        Map<String, String> headers,
        Instant publishedAt,
        ContextSnapshot context) {

    /** Header holding the correlation id, taken from the Reactor {@code Context} key of the same name if present. */
    public static final String CORRELATION_ID = "correlation-id";
    /**
     * Header holding the id of the event that caused this one: set when a handler publishes, taken from the Reactor
     * {@code Context} key of the same name, which holds the handled event's id in every handler's context.
     */
    public static final String CAUSATION_ID = "causation-id";

    /** Create an event that carries no publisher context (rebuilt from storage, or made by hand). */
    public Event(
            String id,
            EventType<T> type,
            @Nullable String key,
            T payload,
            Map<String, String> headers,
            Instant publishedAt) {
        this(id, type, key, payload, headers, publishedAt, NoContext.INSTANCE);
    }

    /**
     * Return the context of an event that carries none: restoring it sets nothing and changes no Reactor {@code
     * Context}. One shared instance.
     */
    public static ContextSnapshot noContext() {
        return NoContext.INSTANCE;
    }

    /** Validate the envelope; headers are copied. */
    public Event {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        headers = headers.isEmpty() ? Map.of() : Map.copyOf(headers);
        Objects.requireNonNull(publishedAt, "publishedAt");
        Objects.requireNonNull(context, "context");
    }

    // our own empty snapshot: context-propagation's factories load the global ContextRegistry (ServiceLoader, file
    // reads) when first built, which must not happen in a class initializer that may run on a Reactor thread
    private enum NoContext implements ContextSnapshot {
        INSTANCE;

        private static final Scope NOTHING = () -> {};

        @Override
        public <C> C updateContext(C context) {
            return context;
        }

        @Override
        public <C> C updateContext(C context, Predicate<Object> keyPredicate) {
            return context;
        }

        @Override
        public Scope setThreadLocals() {
            return NOTHING;
        }

        @Override
        public Scope setThreadLocals(Predicate<Object> keyPredicate) {
            return NOTHING;
        }
    }

    // the context is what the publishing thread held, not part of the event: a redriven or durable event (rebuilt
    // without it) equals the one published
    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof Event<?> that
                && id.equals(that.id)
                && type.equals(that.type)
                && Objects.equals(key, that.key)
                && payload.equals(that.payload)
                && headers.equals(that.headers)
                && publishedAt.equals(that.publishedAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, type, key, payload, headers, publishedAt);
    }

    // the context may hold whatever the publisher's thread locals held: never in a log line
    @Override
    public String toString() {
        return "Event[id=" + id + ", type=" + type + ", key=" + key + ", payload=" + payload + ", headers=" + headers
                + ", publishedAt=" + publishedAt + "]";
    }
}
