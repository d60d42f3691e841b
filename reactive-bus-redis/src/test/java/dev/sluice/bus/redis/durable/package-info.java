/**
 * Multi-instance tests of durable event types on Redis Streams (issue 13): buses sharing work, crash, fencing,
 * rebalance, Redis cut and breaker open, all judged by {@link dev.sluice.bus.redis.durable.OrderChecker}'s definition
 * of order.
 */
@NullMarked
package dev.sluice.bus.redis.durable;

import org.jspecify.annotations.NullMarked;
