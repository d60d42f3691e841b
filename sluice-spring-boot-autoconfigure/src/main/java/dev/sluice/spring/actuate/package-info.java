/**
 * Sluice on Spring Boot Actuator: the {@code sluice} reactive health contributor (one component per subscriber plus
 * the dead-letter store), the {@code sluice} endpoint (subscribers, dead letters, redrive), and the meter binders on
 * the application's {@code MeterRegistry}. Each part is configured only when its Actuator classes are present.
 */
@NullMarked
package dev.sluice.spring.actuate;

import org.jspecify.annotations.NullMarked;
