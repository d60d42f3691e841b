package dev.sluice.spring.actuate;

import dev.sluice.bus.EventBus;
import dev.sluice.spring.SluiceAutoConfiguration;
import dev.sluice.spring.SluiceLifecycle;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The {@code sluice} actuator endpoint ({@link SluiceEndpoint}), when Actuator is present and the endpoint is
 * available (enabled, and exposed: {@code management.endpoints.web.exposure.include=sluice}).
 */
@AutoConfiguration(after = SluiceAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
@ConditionalOnBean({EventBus.class, SluiceLifecycle.class})
@ConditionalOnAvailableEndpoint(SluiceEndpoint.class)
@EnableConfigurationProperties(SluiceEndpointProperties.class)
public final class SluiceEndpointAutoConfiguration {

    /** Create the configuration; Spring does this. */
    public SluiceEndpointAutoConfiguration() {}

    /** Return the endpoint. */
    @Bean
    @ConditionalOnMissingBean
    public SluiceEndpoint sluiceEndpoint(EventBus bus, SluiceLifecycle lifecycle, SluiceEndpointProperties properties) {
        return new SluiceEndpoint(bus, lifecycle, properties);
    }
}
