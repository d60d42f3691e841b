/**
 * Wiring of the Redis dead-letter store into tools it meets at run time, such as its BlockHound integration. Not API:
 * types here may change in any release.
 */
@NullMarked
package dev.sluice.bus.redis.internal;

import org.jspecify.annotations.NullMarked;
