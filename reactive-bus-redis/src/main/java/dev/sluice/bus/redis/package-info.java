/**
 * The production {@link dev.sluice.bus.DeadLetterStore}: dead letters in Redis streams, written with Lettuce's reactive
 * API on a connection of the store's own, with a local append-only journal that keeps letters while Redis is
 * unreachable and replays them when it is back (docs/DESIGN.md, "Dead letters in Redis", promises 8 and 9). Start from
 * {@link dev.sluice.bus.redis.RedisDeadLetterStore#builder(String)}.
 */
@NullMarked
package dev.sluice.bus.redis;

import org.jspecify.annotations.NullMarked;
