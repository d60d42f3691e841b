package dev.sluice.spring.internal;

import dev.sluice.spring.SluiceProperties;
import java.util.Locale;
import org.springframework.core.env.Environment;

/** This instance's name: {@code sluice.instance-id}, else {@code <spring.application.name or sluice>-<host>}. */
public final class InstanceId {

    private InstanceId() {}

    /** Return the instance id for {@code properties} in {@code environment}. */
    public static String of(SluiceProperties properties, Environment environment) {
        String configured = properties.instanceId();
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        String app = environment.getProperty("spring.application.name", "sluice");
        // the host name from the environment, not InetAddress (which may wait for DNS)
        String host = System.getenv().getOrDefault("HOSTNAME", System.getenv().getOrDefault("COMPUTERNAME", "local"));
        return (app + "-" + host).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
    }
}
