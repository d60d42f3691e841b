package dev.sluice.demo;

import org.jspecify.annotations.Nullable;

/**
 * What the in-process downstream service does wrong right now, changed at run time by {@code POST /chaos} and by the
 * scenario. Thread-safe: one immutable {@link Settings} in a volatile field.
 */
final class Chaos {

    /**
     * The downstream's misbehaviour.
     *
     * @param errorRate share of calls answered {@code 500}, 0 to 1
     * @param latencyMs added latency per call in milliseconds, 0 to 60000
     * @param outage every call answered {@code 503}
     */
    record Settings(double errorRate, long latencyMs, boolean outage) {

        static final Settings CALM = new Settings(0, 0, false);

        Settings {
            if (!(errorRate >= 0 && errorRate <= 1)) {
                throw new IllegalArgumentException("errorRate must be in 0..1, but was " + errorRate);
            }
            if (latencyMs < 0 || latencyMs > 60_000) {
                throw new IllegalArgumentException("latencyMs must be in 0..60000, but was " + latencyMs);
            }
        }

        /** Return these settings with the given fields changed (null: unchanged). */
        Settings with(@Nullable Double errorRate, @Nullable Long latencyMs, @Nullable Boolean outage) {
            return new Settings(
                    errorRate != null ? errorRate : this.errorRate,
                    latencyMs != null ? latencyMs : this.latencyMs,
                    outage != null ? outage : this.outage);
        }
    }

    private volatile Settings settings = Settings.CALM; // read by every downstream call, set by POST /chaos

    Settings get() {
        return settings;
    }

    void set(Settings next) {
        settings = next;
    }
}
