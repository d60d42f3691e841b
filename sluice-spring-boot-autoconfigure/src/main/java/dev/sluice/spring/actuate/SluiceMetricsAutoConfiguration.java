package dev.sluice.spring.actuate;

import dev.sluice.bus.BusMetrics;
import dev.sluice.bus.EventBus;
import dev.sluice.policy.PolicyMetrics;
import dev.sluice.policy.PolicyRegistry;
import dev.sluice.spring.SluiceAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * Sluice's meters on the application's {@code MeterRegistry}: {@link BusMetrics} (bus and subscribers, including
 * those subscribed later) and {@link PolicyMetrics} (policies of the registry, including those registered later, with
 * resilience4j's binders for their breakers, bulkheads and rate limiters), as {@code MeterBinder} beans that Boot binds.
 * The Redis store is a {@code MeterBinder} bean itself, so Boot binds its meters too. Names: docs/DESIGN.md,
 * "Observability".
 */
@AutoConfiguration(after = {SluiceAutoConfiguration.class, MetricsAutoConfiguration.class})
@ConditionalOnClass({MeterRegistry.class, MetricsAutoConfiguration.class})
@ConditionalOnBean(EventBus.class)
public final class SluiceMetricsAutoConfiguration {

    /** Create the configuration; Spring does this. */
    public SluiceMetricsAutoConfiguration() {}

    /** Return the bus's binder. */
    @Bean
    @ConditionalOnMissingBean
    public BusMetrics sluiceBusMetrics(EventBus bus) {
        return BusMetrics.of(bus);
    }

    /** Return the policies' binder. */
    @Bean
    @ConditionalOnMissingBean
    public PolicyMetrics sluicePolicyMetrics(PolicyRegistry registry) {
        return PolicyMetrics.of(registry);
    }
}
