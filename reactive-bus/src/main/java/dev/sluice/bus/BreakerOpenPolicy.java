package dev.sluice.bus;

/** What a subscriber does while its circuit breaker is open (docs/DESIGN.md promise 6). */
public enum BreakerOpenPolicy {
    /** Stop taking events from the inbox until the breaker lets calls through again: backpressure, not dead letters. */
    PAUSE,
    /** Keep taking events; each is refused by the breaker and dead-lettered ({@code CIRCUIT_OPEN}). */
    DEAD_LETTER
}
