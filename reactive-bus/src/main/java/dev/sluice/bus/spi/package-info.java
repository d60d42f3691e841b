/**
 * The transport SPI of durable event types (docs/DESIGN.md, "Durable types"): what the bus needs from the engine that
 * keeps durable events (Redis Streams, in {@code reactive-bus-redis}) to publish them, read them per subscriber with
 * backpressure, and acknowledge each one after its outcome. Implementations are thread-safe and non-blocking; every
 * method returning a {@code Mono} or {@code Flux} is lazy.
 */
@NullMarked
package dev.sluice.bus.spi;

import org.jspecify.annotations.NullMarked;
