package dev.sluice.spring.actuate;

import java.util.Set;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code management.endpoint.sluice.*}, as Boot's {@code env} endpoint has them.
 *
 * @param showValues when letters' payloads, headers, error messages and stack traces are shown unmasked: {@code
 *     never} (default), {@code when-authorized}, {@code always}
 * @param roles the roles that make a user authorized for {@code when-authorized} (default: any authenticated user)
 */
@ConfigurationProperties("management.endpoint.sluice")
public record SluiceEndpointProperties(@DefaultValue("never") Show showValues, @DefaultValue Set<String> roles) {}
