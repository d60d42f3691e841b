/**
 * Sluice for Spring Boot: {@link dev.sluice.spring.SluiceListener} methods, the {@code sluice.*} properties, and the
 * auto-configuration of the policy registry, the dead-letter store, the bus and its lifecycle (docs/spring-boot.md).
 */
@NullMarked
package dev.sluice.spring;

import org.jspecify.annotations.NullMarked;
