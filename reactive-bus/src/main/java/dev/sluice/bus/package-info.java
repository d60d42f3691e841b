/**
 * Sluice's typed in-process event bus: publishers emit events, every subscriber reads its own bounded inbox and
 * handles each event under its own resilience policy, and what finally fails becomes a dead letter.
 */
@NullMarked
package dev.sluice.bus;

import org.jspecify.annotations.NullMarked;
