package dev.sluice.policy;

import java.time.Duration;
import java.util.Objects;

/**
 * Checks of {@link Duration} arguments with the messages every Sluice builder uses, so a bad value is named the same
 * way wherever it is set. Stateless and thread-safe.
 */
public final class Durations {

    private Durations() {}

    /**
     * Return {@code value} if it is positive (longer than zero), for a setter to store.
     *
     * @param name the setting's name, as the messages give it
     * @param value the duration to check
     * @return {@code value}
     * @throws NullPointerException with message {@code name} if {@code value} is null
     * @throws IllegalArgumentException with message "{@code <name> must be positive, but was <value>}" if
     *     {@code value} is zero or negative
     */
    public static Duration requirePositive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, but was " + value);
        }
        return value;
    }
}
