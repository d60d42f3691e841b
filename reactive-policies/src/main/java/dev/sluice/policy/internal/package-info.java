/**
 * Implementation of the policies: the operators, timers and state behind {@code dev.sluice.policy}. Not API: types
 * here may change in any release.
 */
@NullMarked
package dev.sluice.policy.internal;

import org.jspecify.annotations.NullMarked;
