/**
 * Glue between the bus's observations and Micrometer Tracing, for applications that have it (an optional dependency
 * of the bus): the handler that turns a linked processing ({@link dev.sluice.bus.ProcessingTrace#LINK}, a redrive)
 * into a span with a link to its event's trace.
 */
@NullMarked
package dev.sluice.bus.tracing;

import org.jspecify.annotations.NullMarked;
