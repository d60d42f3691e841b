package dev.sluice.spring.actuate;

import dev.sluice.bus.DeadLetterStore;
import dev.sluice.spring.SluiceAutoConfiguration;
import dev.sluice.spring.SluiceLifecycle;
import dev.sluice.spring.SluiceProperties;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.ReactiveHealthContributor;
import org.springframework.context.annotation.Bean;

/**
 * The {@code sluice} reactive health contributor ({@link SluiceHealthContributor}); off with {@code
 * management.health.sluice.enabled=false}. {@link SluiceHealthDefaults} orders {@code CIRCUIT_OPEN} between {@code
 * OUT_OF_SERVICE} and {@code UP} and maps it to HTTP 200, unless the application sets those properties itself.
 */
@AutoConfiguration(after = SluiceAutoConfiguration.class)
@ConditionalOnClass(ReactiveHealthContributor.class)
@ConditionalOnBean(SluiceLifecycle.class)
@ConditionalOnEnabledHealthIndicator("sluice")
public final class SluiceHealthAutoConfiguration {

    /** Create the configuration; Spring does this. */
    public SluiceHealthAutoConfiguration() {}

    /** Return the contributor, named {@code sluice} after its bean. */
    @Bean
    @ConditionalOnMissingBean(name = "sluiceHealthContributor")
    public SluiceHealthContributor sluiceHealthContributor(
            SluiceLifecycle lifecycle, DeadLetterStore store, SluiceProperties properties) {
        return new SluiceHealthContributor(lifecycle, store, properties.health().breakerOpenDown());
    }
}
