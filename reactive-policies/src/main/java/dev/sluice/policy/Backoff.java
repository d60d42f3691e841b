package dev.sluice.policy;

/**
 * How the delay before a retry grows with the number of failed attempts {@code n} (1 after the first failure),
 * before jitter and capping at the maximum backoff.
 */
public enum Backoff {
    /** {@code minBackoff × multiplier^(n-1)}: the usual choice for a struggling dependency. */
    EXPONENTIAL,
    /** {@code minBackoff × n}. */
    LINEAR,
    /** {@code minBackoff} every time. */
    FIXED
}
