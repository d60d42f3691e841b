package dev.sluice.bus.internal;

import dev.sluice.bus.BusObservations;
import dev.sluice.bus.Event;
import dev.sluice.bus.spi.Received;
import dev.sluice.bus.spi.Undecodable;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/**
 * Puts the event a Sluice log line is about into the MDC for that line (docs/observability.md): {@value #EVENT_ID}
 * and, when its headers carry a W3C {@code traceparent}, its trace id under {@value #TRACE_ID} (the key Micrometer
 * Tracing and Spring Boot's log patterns use). Closing puts back what the MDC held before. Used on failure paths only.
 */
final class EventMdc implements AutoCloseable {

    /** MDC key of the event's id. */
    static final String EVENT_ID = "sluice.event.id";
    /** MDC key of the event's trace id (32 hex digits). */
    static final String TRACE_ID = "traceId";

    private final @Nullable String previousEventId;
    private final @Nullable String previousTraceId;
    private final boolean traced;

    private EventMdc(String eventId, @Nullable String traceId) {
        previousEventId = MDC.get(EVENT_ID);
        previousTraceId = MDC.get(TRACE_ID);
        MDC.put(EVENT_ID, eventId);
        traced = traceId != null;
        if (traceId != null) {
            MDC.put(TRACE_ID, traceId);
        }
    }

    /** Put {@code event}'s id and trace id into the MDC until closed. */
    static EventMdc of(Event<?> event) {
        return of(event.id(), event.headers());
    }

    /** Put the id and trace id of the event a durable {@code entry} holds (or failed to decode) until closed. */
    static EventMdc of(Received<?> entry) {
        Event<?> event = entry.event();
        if (event != null) {
            return of(event);
        }
        Undecodable raw = entry.undecodable();
        return raw == null ? of("", Map.of()) : of(raw.eventId(), raw.headers());
    }

    /** Put {@code eventId} and the trace id of {@code headers} into the MDC until closed. */
    static EventMdc of(String eventId, Map<String, String> headers) {
        return new EventMdc(eventId, traceIdOf(headers.get(BusObservations.TRACEPARENT)));
    }

    /** Return the trace id of a W3C {@code traceparent} ({@code version-traceid-spanid-flags}), or null. */
    static @Nullable String traceIdOf(@Nullable String traceparent) {
        if (traceparent == null || traceparent.length() < 55 || traceparent.charAt(2) != '-') {
            return null;
        }
        return traceparent.substring(3, 35);
    }

    @Override
    public void close() {
        restore(EVENT_ID, previousEventId);
        if (traced) {
            restore(TRACE_ID, previousTraceId);
        }
    }

    private static void restore(String key, @Nullable String previous) {
        if (previous == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, previous);
        }
    }
}
