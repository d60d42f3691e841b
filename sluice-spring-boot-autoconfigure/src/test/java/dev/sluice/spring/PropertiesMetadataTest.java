package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.policy.PolicyProperties;
import dev.sluice.policy.PolicyRegistry;
import dev.sluice.spring.internal.PolicyKeys;
import java.io.InputStream;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * Ties the generated metadata to what the library reads: {@code sluice.policies} is typed by {@link
 * SluiceProperties.Policy}, whose keys are exactly those {@code PolicyProperties} parses (read from its source, so a
 * key added there fails here until the record has it), and a policy using every key registers.
 */
class PropertiesMetadataTest {

    @Test
    void metadataTypesThePolicyAndSubscriberMapsAndListsTheDeadLetterKeys() throws Exception {
        JsonNode metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            metadata = new ObjectMapper().readTree(in);
        }
        Map<String, JsonNode> properties = new HashMap<>();
        StreamSupport.stream(metadata.get("properties").spliterator(), false)
                .forEach(p -> properties.put(p.get("name").asText(), p));

        assertThat(properties.get("sluice.policies").get("type").asText()).endsWith("SluiceProperties$Policy>");
        assertThat(properties.get("sluice.subscribers").get("type").asText()).endsWith("SluiceProperties$Subscriber>");
        assertThat(properties
                        .get("sluice.dead-letters.store")
                        .get("defaultValue")
                        .asText())
                .isEqualTo("redis");
        assertThat(properties)
                .containsKeys(
                        "sluice.dead-letters.key-prefix",
                        "sluice.dead-letters.journal-directory",
                        "sluice.health.breaker-open-down",
                        "management.endpoint.sluice.show-values");
        assertThat(properties)
                .containsKeys(
                        "sluice.durable.enabled",
                        "sluice.durable.key-prefix",
                        "sluice.durable.publish-timeout",
                        "sluice.durable.lease",
                        "sluice.durable.heartbeat",
                        "sluice.durable.lease-margin");
    }

    @Test
    void policyRecordHasExactlyTheKeysPolicyPropertiesReads() throws Exception {
        Path source = Path.of(
                "..", "reactive-policies", "src", "main", "java", "dev", "sluice", "policy", "PolicyProperties.java");
        Set<String> read = new TreeSet<>();
        Matcher m = Pattern.compile("case \"([a-z.-]+)\"").matcher(Files.readString(source));
        while (m.find()) {
            read.add(m.group(1));
        }

        assertThat(keys("", SluiceProperties.Policy.class)).isEqualTo(read);
    }

    @Test
    void aPolicyWithEveryKeyRegisters() {
        var policy = new SluiceProperties.Policy(
                Duration.ofMillis(300),
                Duration.ofSeconds(2),
                new SluiceProperties.Retry(
                        3,
                        Duration.ofMillis(50),
                        Duration.ofSeconds(1),
                        2.0,
                        0.5,
                        dev.sluice.policy.Backoff.EXPONENTIAL),
                new SluiceProperties.Hedge(2, Duration.ofMillis(150)),
                new SluiceProperties.CircuitBreaker(
                        50.0,
                        100.0,
                        Duration.ofSeconds(60),
                        io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType.COUNT_BASED,
                        100,
                        100,
                        Duration.ofSeconds(60),
                        10),
                new SluiceProperties.Bulkhead(25),
                new SluiceProperties.RateLimiter(100, Duration.ofSeconds(1)));
        Map<String, String> keys = PolicyKeys.of(Map.of("inventory", policy));

        var registered = PolicyProperties.register(keys, PolicyRegistry.create());

        assertThat(keys).hasSize(keys("", SluiceProperties.Policy.class).size());
        assertThat(registered).hasSize(1);
        assertThat(registered.get(0).timeout()).isEqualTo(Duration.ofMillis(300));
    }

    /** Return the relaxed (kebab-case) keys of a record, nested records flattened with dots. */
    private static Set<String> keys(String prefix, Class<?> record) {
        Set<String> keys = new TreeSet<>();
        for (RecordComponent c : record.getRecordComponents()) {
            String name = prefix + c.getName().replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
            if (c.getType().isRecord()) {
                keys.addAll(keys(name + ".", c.getType()));
            } else if (!(c.getGenericType() instanceof ParameterizedType)) {
                keys.add(name);
            }
        }
        return keys;
    }
}
