/**
 * Test fixtures shared by Sluice's modules: {@link dev.sluice.testsupport.RedisExtension} gives a JUnit 5 test a real
 * Redis (embedded, or the server named by {@code SLUICE_TEST_REDIS_URL}), {@link dev.sluice.testsupport.FaultProxy}
 * simulates network faults between a client and that Redis, {@link dev.sluice.testsupport.ChildJvm} runs a main class in
 * a child JVM that a test can kill, {@link dev.sluice.testsupport.BlockHoundProbe} proves BlockHound is installed, and
 * {@link dev.sluice.testsupport.ArchitectureRules} holds the ArchUnit rules every module checks. Test scope only; never
 * deployed.
 */
@NullMarked
package dev.sluice.testsupport;

import org.jspecify.annotations.NullMarked;
