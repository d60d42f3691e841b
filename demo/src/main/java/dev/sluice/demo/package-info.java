/**
 * The demo service: a Reactor Netty HTTP server that embeds Sluice the way a WebFlux-style application would, backed
 * by an embedded Redis unless {@code SLUICE_REDIS_URL} names one.
 */
@NullMarked
package dev.sluice.demo;

import org.jspecify.annotations.NullMarked;
