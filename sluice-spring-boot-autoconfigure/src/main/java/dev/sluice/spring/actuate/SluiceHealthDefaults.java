package dev.sluice.spring.actuate;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Adds, at the lowest precedence, what Boot's health endpoint needs to know about {@code CIRCUIT_OPEN}: its place in
 * {@code management.endpoint.health.status.order} (after {@code DOWN} and {@code OUT_OF_SERVICE}, before {@code UP}:
 * without it Boot's aggregator ignores the status) and its HTTP code (200). An application that sets either property
 * keeps its own. Registered in {@code META-INF/spring.factories}.
 */
public final class SluiceHealthDefaults implements EnvironmentPostProcessor {

    /** The property source's name. */
    public static final String NAME = "sluiceHealthDefaults";

    /** Create it; Boot does this. */
    public SluiceHealthDefaults() {}

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        environment
                .getPropertySources()
                .addLast(new MapPropertySource(
                        NAME,
                        Map.of(
                                "management.endpoint.health.status.order",
                                "DOWN,OUT_OF_SERVICE,CIRCUIT_OPEN,UP,UNKNOWN",
                                "management.endpoint.health.status.http-mapping.circuit_open",
                                "200")));
    }
}
