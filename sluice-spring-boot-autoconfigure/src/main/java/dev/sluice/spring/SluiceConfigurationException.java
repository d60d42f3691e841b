package dev.sluice.spring;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A Sluice setting or listener that cannot work, found at startup: it names the property key (or the listener
 * method) and the bad value, and {@link SluiceFailureAnalyzer} turns it into Boot's startup failure report.
 */
public final class SluiceConfigurationException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** The property key, or the listener method, at fault. */
    private final String key;
    /** The value found there. */
    private final String value;
    /** What to do about it. */
    private final String action;

    /**
     * Create one.
     *
     * @param key the property key ({@code sluice.subscribers.x.policy}) or the listener method at fault
     * @param value the value found
     * @param reason why it cannot work
     * @param action what to change
     */
    public SluiceConfigurationException(String key, String value, String reason, String action) {
        this(key, value, reason, action, null);
    }

    /**
     * Create one with a cause.
     *
     * @param key the property key or the listener method at fault
     * @param value the value found
     * @param reason why it cannot work
     * @param action what to change
     * @param cause what the library said, or null
     */
    public SluiceConfigurationException(
            String key, String value, String reason, String action, @Nullable Throwable cause) {
        super(key + ": '" + value + "' " + reason, cause);
        this.key = Objects.requireNonNull(key, "key");
        this.value = Objects.requireNonNull(value, "value");
        this.action = Objects.requireNonNull(action, "action");
    }

    /** Return the property key or the listener method at fault. */
    public String key() {
        return key;
    }

    /** Return the value found there. */
    public String value() {
        return value;
    }

    /** Return what to change. */
    public String action() {
        return action;
    }
}
