package dev.sluice.spring.internal;

import dev.sluice.policy.PolicyProperties;
import dev.sluice.spring.SluiceProperties;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Turns bound {@code sluice.policies.*} records back into the flat keys {@link PolicyProperties} reads, so the
 * library stays the one parser and validator of policies: Boot converts the values (relaxed names, {@code 300ms}),
 * {@code PolicyProperties} checks them and names the key of a bad one.
 */
public final class PolicyKeys {

    private PolicyKeys() {}

    /** Return {@code policies} as {@code sluice.policies.<name>.<setting>} → value, in key order. */
    public static Map<String, String> of(Map<String, SluiceProperties.Policy> policies) {
        Map<String, String> keys = new TreeMap<>();
        policies.forEach((name, p) -> {
            Keys k = new Keys(keys, PolicyProperties.PREFIX + name + ".");
            k.put("timeout", p.timeout());
            k.put("deadline", p.deadline());
            SluiceProperties.Retry r = p.retry();
            if (r != null) {
                k.put("retry.max-attempts", r.maxAttempts());
                k.put("retry.min-backoff", r.minBackoff());
                k.put("retry.max-backoff", r.maxBackoff());
                k.put("retry.multiplier", r.multiplier());
                k.put("retry.jitter", r.jitter());
                k.put("retry.backoff", r.backoff());
            }
            SluiceProperties.Hedge h = p.hedge();
            if (h != null) {
                k.put("hedge.max-hedged-attempts", h.maxHedgedAttempts());
                k.put("hedge.delay", h.delay());
            }
            SluiceProperties.CircuitBreaker cb = p.circuitBreaker();
            if (cb != null) {
                k.put("circuit-breaker.failure-rate-threshold", cb.failureRateThreshold());
                k.put("circuit-breaker.slow-call-rate-threshold", cb.slowCallRateThreshold());
                k.put("circuit-breaker.slow-call-duration-threshold", cb.slowCallDurationThreshold());
                k.put("circuit-breaker.sliding-window-type", cb.slidingWindowType());
                k.put("circuit-breaker.sliding-window-size", cb.slidingWindowSize());
                k.put("circuit-breaker.minimum-number-of-calls", cb.minimumNumberOfCalls());
                k.put("circuit-breaker.wait-in-open", cb.waitInOpen());
                k.put("circuit-breaker.permitted-calls-in-half-open", cb.permittedCallsInHalfOpen());
            }
            SluiceProperties.Bulkhead b = p.bulkhead();
            if (b != null) {
                k.put("bulkhead.max-concurrent", b.maxConcurrent());
            }
            SluiceProperties.RateLimiter rl = p.rateLimiter();
            if (rl != null) {
                k.put("rate-limiter.limit-for-period", rl.limitForPeriod());
                k.put("rate-limiter.refresh-period", rl.refreshPeriod());
            }
        });
        return keys;
    }

    /** Writes one policy's keys; absent values are left out, so the library's defaults apply. */
    private record Keys(Map<String, String> keys, String prefix) {
        void put(String setting, @Nullable Object value) {
            if (value == null) {
                return;
            }
            // enums as PolicyProperties spells them (count-based); durations as ISO-8601, which it accepts
            String text = value instanceof Enum<?> e
                    ? e.name().toLowerCase(Locale.ROOT).replace('_', '-')
                    : value.toString();
            keys.put(prefix + setting, text);
        }
    }
}
