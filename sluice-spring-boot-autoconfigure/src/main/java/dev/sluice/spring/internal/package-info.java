/**
 * How the starter turns beans and properties into subscribers: the listener method adapter, the subscriber settings
 * it applies, the lifecycle that starts and closes the bus, and the Lettuce version check. Not API.
 */
@NullMarked
package dev.sluice.spring.internal;

import org.jspecify.annotations.NullMarked;
