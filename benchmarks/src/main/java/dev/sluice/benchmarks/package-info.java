/**
 * JMH suites for Sluice. Every benchmark method sits beside the undecorated baseline it is compared with, in the same
 * class, so each figure is read as a ratio from one run.
 */
@NullMarked
package dev.sluice.benchmarks;

import org.jspecify.annotations.NullMarked;
