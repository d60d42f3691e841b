package dev.sluice.policy;

import dev.sluice.policy.internal.DurationParser;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * Registers policies described by properties under {@value #PREFIX}{@code <name>.}, for example:
 *
 * <pre>
 * sluice.policies.inventory.timeout=300ms
 * sluice.policies.inventory.deadline=2s
 * sluice.policies.inventory.retry.max-attempts=3
 * sluice.policies.inventory.retry.min-backoff=50ms
 * sluice.policies.inventory.retry.max-backoff=1s
 * sluice.policies.inventory.retry.multiplier=2
 * sluice.policies.inventory.retry.jitter=0.5
 * sluice.policies.inventory.retry.backoff=exponential          (exponential | linear | fixed)
 * sluice.policies.inventory.hedge.max-hedged-attempts=2        (1 to 10, beside the first attempt)
 * sluice.policies.inventory.hedge.delay=150ms                  (0 starts them all at once)
 * sluice.policies.inventory.circuit-breaker.failure-rate-threshold=50        (percent)
 * sluice.policies.inventory.circuit-breaker.slow-call-rate-threshold=100     (percent)
 * sluice.policies.inventory.circuit-breaker.slow-call-duration-threshold=60s
 * sluice.policies.inventory.circuit-breaker.sliding-window-type=count-based   (count-based | time-based)
 * sluice.policies.inventory.circuit-breaker.sliding-window-size=100          (calls, or seconds when time-based)
 * sluice.policies.inventory.circuit-breaker.minimum-number-of-calls=100
 * sluice.policies.inventory.circuit-breaker.wait-in-open=60s
 * sluice.policies.inventory.circuit-breaker.permitted-calls-in-half-open=10
 * sluice.policies.inventory.bulkhead.max-concurrent=25
 * sluice.policies.inventory.rate-limiter.limit-for-period=100
 * sluice.policies.inventory.rate-limiter.refresh-period=1s
 * </pre>
 *
 * Durations are {@code 300ms}, {@code 5s}, {@code 2m}, {@code 1h} or ISO-8601. A part is present when any of its keys
 * is; unset keys keep the defaults of {@link RetrySettings} and resilience4j. Every key is checked before anything is
 * registered: an unknown key or a bad value fails with an {@link IllegalArgumentException} naming the key and value
 * ({@code sluice.policies.inventory.timeout: '5 parsecs' is not a duration}) and registers nothing.
 */
public final class PolicyProperties {

    /** The common prefix of policy keys. */
    public static final String PREFIX = "sluice.policies.";

    private PolicyProperties() {}

    /** Register in {@code registry} every policy described in {@code properties}; see the class documentation. */
    public static List<ResiliencePolicy> register(Properties properties, PolicyRegistry registry) {
        Map<String, String> map = new TreeMap<>();
        properties.stringPropertyNames().forEach(key -> map.put(key, properties.getProperty(key)));
        return register(map, registry);
    }

    /**
     * Register in {@code registry} every policy described in {@code properties}; keys without the prefix are ignored.
     *
     * @return the registered policies, by name order
     * @throws IllegalArgumentException naming the key and value, for an unknown key or a bad value
     * @throws IllegalStateException if a policy of that name is registered already (nothing else is registered
     *     after it)
     */
    public static List<ResiliencePolicy> register(Map<String, String> properties, PolicyRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        Map<String, Map<String, String>> byPolicy = new TreeMap<>();
        for (Map.Entry<String, String> e : new TreeMap<>(properties).entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(PREFIX)) {
                continue;
            }
            String rest = key.substring(PREFIX.length());
            int dot = rest.indexOf('.');
            if (dot <= 0 || dot == rest.length() - 1) {
                throw new IllegalArgumentException(key + ": expected " + PREFIX + "<name>.<setting>");
            }
            byPolicy.computeIfAbsent(rest.substring(0, dot), n -> new TreeMap<>())
                    .put(rest.substring(dot + 1), e.getValue());
        }
        List<UnaryOperator<ResiliencePolicy.Builder>> configs = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> policy : byPolicy.entrySet()) {
            configs.add(configurer(policy.getKey(), policy.getValue()));
            // validate the whole description now, so a bad value registers nothing; the builder is thrown away
            var unused = configs.get(configs.size() - 1).apply(ResiliencePolicy.builder(policy.getKey()));
        }
        List<ResiliencePolicy> registered = new ArrayList<>();
        int i = 0;
        for (String name : byPolicy.keySet()) {
            registered.add(registry.register(name, configs.get(i++)));
        }
        return registered;
    }

    private static UnaryOperator<ResiliencePolicy.Builder> configurer(String name, Map<String, String> settings) {
        return builder -> {
            RetrySettings.Builder retry = null;
            HedgeSettings.Builder hedge = null;
            CircuitBreakerConfig.Builder breaker = null;
            Integer limitForPeriod = null;
            Duration refreshPeriod = null;
            for (Map.Entry<String, String> e : settings.entrySet()) {
                Setting s = new Setting(PREFIX + name + "." + e.getKey(), e.getValue());
                switch (e.getKey()) {
                    case "timeout" -> s.apply(() -> builder.timeout(s.duration()));
                    case "deadline" -> s.apply(() -> builder.deadline(s.duration()));
                    case "bulkhead.max-concurrent" -> s.apply(() -> builder.bulkhead(s.integer()));
                    case "rate-limiter.limit-for-period" -> limitForPeriod = s.integer();
                    case "rate-limiter.refresh-period" -> refreshPeriod = s.duration();
                    default -> {
                        if (e.getKey().startsWith("retry.")) {
                            retry = retry == null ? RetrySettings.builder() : retry;
                            retry(retry, e.getKey(), s);
                        } else if (e.getKey().startsWith("hedge.")) {
                            hedge = hedge == null ? HedgeSettings.builder() : hedge;
                            hedge(hedge, e.getKey(), s);
                        } else if (e.getKey().startsWith("circuit-breaker.")) {
                            breaker = breaker == null ? CircuitBreakerConfig.custom() : breaker;
                            breaker(breaker, e.getKey(), s);
                        } else {
                            throw new IllegalArgumentException(s.key + ": unknown setting");
                        }
                    }
                }
            }
            if (retry != null) {
                RetrySettings.Builder r = retry;
                new Setting(PREFIX + name + ".retry", "").apply(() -> builder.retry(r.build()));
            }
            if (hedge != null) {
                HedgeSettings.Builder h = hedge;
                new Setting(PREFIX + name + ".hedge", "").apply(() -> builder.hedge(h.build()));
            }
            if (breaker != null) {
                CircuitBreakerConfig.Builder cb = breaker;
                new Setting(PREFIX + name + ".circuit-breaker", "").apply(() -> builder.circuitBreaker(cb.build()));
            }
            if (limitForPeriod != null || refreshPeriod != null) {
                int limit = limitForPeriod == null ? 50 : limitForPeriod;
                Duration period = refreshPeriod == null ? Duration.ofMillis(500) : refreshPeriod;
                new Setting(PREFIX + name + ".rate-limiter", limit + " per " + period)
                        .apply(() -> builder.rateLimiter(limit, period));
            }
            return builder;
        };
    }

    private static void retry(RetrySettings.Builder retry, String key, Setting s) {
        switch (key) {
            case "retry.max-attempts" -> s.apply(() -> retry.maxAttempts(s.integer()));
            case "retry.min-backoff" -> s.apply(() -> retry.minBackoff(s.duration()));
            case "retry.max-backoff" -> s.apply(() -> retry.maxBackoff(s.duration()));
            case "retry.multiplier" -> s.apply(() -> retry.multiplier(s.decimal()));
            case "retry.jitter" -> s.apply(() -> retry.jitter(s.decimal()));
            case "retry.backoff" -> s.apply(() -> retry.backoff(s.choice(Backoff.class)));
            default -> throw new IllegalArgumentException(s.key + ": unknown setting");
        }
    }

    private static void hedge(HedgeSettings.Builder hedge, String key, Setting s) {
        switch (key) {
            case "hedge.max-hedged-attempts" -> s.apply(() -> hedge.maxHedgedAttempts(s.integer()));
            case "hedge.delay" -> s.apply(() -> hedge.delay(s.duration()));
            default -> throw new IllegalArgumentException(s.key + ": unknown setting");
        }
    }

    private static void breaker(CircuitBreakerConfig.Builder cb, String key, Setting s) {
        switch (key) {
            case "circuit-breaker.failure-rate-threshold" -> s.apply(() -> cb.failureRateThreshold(s.decimal()));
            case "circuit-breaker.slow-call-rate-threshold" -> s.apply(() -> cb.slowCallRateThreshold(s.decimal()));
            case "circuit-breaker.slow-call-duration-threshold" -> s.apply(
                    () -> cb.slowCallDurationThreshold(s.duration()));
            case "circuit-breaker.sliding-window-type" -> s.apply(
                    () -> cb.slidingWindowType(s.choice(CircuitBreakerConfig.SlidingWindowType.class)));
            case "circuit-breaker.sliding-window-size" -> s.apply(() -> cb.slidingWindowSize(s.integer()));
            case "circuit-breaker.minimum-number-of-calls" -> s.apply(() -> cb.minimumNumberOfCalls(s.integer()));
            case "circuit-breaker.wait-in-open" -> s.apply(() -> cb.waitDurationInOpenState(s.duration()));
            case "circuit-breaker.permitted-calls-in-half-open" -> s.apply(
                    () -> cb.permittedNumberOfCallsInHalfOpenState(s.integer()));
            default -> throw new IllegalArgumentException(s.key + ": unknown setting");
        }
    }

    /** One key and its value; every failure it reports names both. */
    private record Setting(String key, String value) {

        void apply(Runnable change) {
            try {
                change.run();
            } catch (IllegalArgumentException | IllegalStateException e) {
                if (e.getMessage() != null && e.getMessage().startsWith(key)) {
                    throw e;
                }
                throw new IllegalArgumentException(key + ": '" + value + "' is invalid: " + e.getMessage(), e);
            }
        }

        Duration duration() {
            try {
                return DurationParser.parse(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(key + ": '" + value + "' is not a duration", e);
            }
        }

        int integer() {
            try {
                return Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + ": '" + value + "' is not a whole number", e);
            }
        }

        float decimal() {
            try {
                float f = Float.parseFloat(value.trim());
                if (!Float.isFinite(f)) {
                    throw new NumberFormatException("not finite");
                }
                return f;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + ": '" + value + "' is not a number", e);
            }
        }

        <E extends Enum<E>> E choice(Class<E> type) {
            String wanted = value.trim().replace('-', '_').toUpperCase(Locale.ROOT);
            for (E constant : type.getEnumConstants()) {
                if (constant.name().equals(wanted)) {
                    return constant;
                }
            }
            List<String> allowed = new ArrayList<>();
            for (E constant : type.getEnumConstants()) {
                allowed.add(constant.name().toLowerCase(Locale.ROOT).replace('_', '-'));
            }
            throw new IllegalArgumentException(key + ": '" + value + "' is not one of " + allowed);
        }
    }
}
