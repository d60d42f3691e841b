/** Implementation of the bus: inboxes, subscriber workers, accounting. Not API. */
@NullMarked
package dev.sluice.bus.internal;

import org.jspecify.annotations.NullMarked;
