package dev.sluice.bus.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** Issue 16, step 4: a Sluice log line about an event carries its id and trace id in the MDC, for that line only. */
class EventMdcTest {

    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @AfterEach
    void clear() {
        MDC.clear();
    }

    @Test
    void putsTheEventIdAndTheTraceIdOfItsTraceparentForTheLineOnly() {
        String[] during = new String[2];

        try (EventMdc mdc = EventMdc.of("e-1", Map.of("traceparent", TRACEPARENT))) {
            during[0] = MDC.get("sluice.event.id");
            during[1] = MDC.get("traceId");
        }

        assertThat(during).containsExactly("e-1", "4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(MDC.get("sluice.event.id")).isNull();
        assertThat(MDC.get("traceId")).isNull();
    }

    @Test
    void putsBackWhatTheMdcHeldAndLeavesTheTraceIdAloneWithoutATraceparent() {
        MDC.put("sluice.event.id", "outer");
        MDC.put("traceId", "current-span");
        String[] during = new String[2];

        try (EventMdc mdc = EventMdc.of("e-1", Map.of())) {
            during[0] = MDC.get("sluice.event.id");
            during[1] = MDC.get("traceId");
        }

        assertThat(during).containsExactly("e-1", "current-span");
        assertThat(MDC.get("sluice.event.id")).isEqualTo("outer");
        assertThat(MDC.get("traceId")).isEqualTo("current-span");
    }

    @Test
    void readsNoTraceIdFromAMalformedTraceparent() {
        assertThat(EventMdc.traceIdOf("b3-style")).isNull();
        assertThat(EventMdc.traceIdOf(null)).isNull();
        assertThat(EventMdc.traceIdOf(TRACEPARENT)).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    }
}
