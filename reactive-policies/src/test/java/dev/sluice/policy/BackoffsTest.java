package dev.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.internal.Backoffs;
import java.io.IOException;
import java.time.Duration;
import java.util.LongSummaryStatistics;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BackoffsTest {

    private static final long MS = 1_000_000L;

    private static LongSummaryStatistics sample(RetrySettings retry, int failedAttempts) {
        return IntStream.range(0, 10_000)
                .mapToLong(i -> Backoffs.delayNanos(retry, failedAttempts, new IOException()))
                .summaryStatistics();
    }

    @Test
    void exponentialDelaysStayWithinJitterBoundsAndActuallySpread() {
        RetrySettings retry = RetrySettings.builder()
                .minBackoff(Duration.ofMillis(100))
                .maxBackoff(Duration.ofSeconds(10))
                .multiplier(2)
                .jitter(0.5)
                .build();

        LongSummaryStatistics third = sample(retry, 3);

        // base 400 ms, ±50%
        assertThat(third.getMin()).isGreaterThanOrEqualTo(200 * MS).isLessThan(220 * MS);
        assertThat(third.getMax()).isLessThanOrEqualTo(600 * MS).isGreaterThan(580 * MS);
        assertThat(third.getAverage()).isBetween(380.0 * MS, 420.0 * MS);
    }

    @Test
    void jitterNeverTakesTheDelayBelowMinOrAboveMaxBackoff() {
        RetrySettings retry = RetrySettings.builder()
                .minBackoff(Duration.ofMillis(100))
                .maxBackoff(Duration.ofMillis(300))
                .jitter(1.0)
                .build();

        LongSummaryStatistics first = sample(retry, 1);
        LongSummaryStatistics tenth = sample(retry, 10);

        assertThat(first.getMin()).isEqualTo(100 * MS);
        assertThat(first.getMax()).isLessThanOrEqualTo(200 * MS);
        assertThat(tenth.getMax()).isEqualTo(300 * MS);
        assertThat(tenth.getMin()).isLessThan(300 * MS).isGreaterThanOrEqualTo(100 * MS);
    }

    @Test
    void linearAndFixedBackoffsFollowTheirShape() {
        RetrySettings linear = RetrySettings.builder()
                .backoff(Backoff.LINEAR)
                .minBackoff(Duration.ofMillis(50))
                .jitter(0)
                .build();
        RetrySettings fixed = linear.mutate().backoff(Backoff.FIXED).build();

        assertThat(Backoffs.delayNanos(linear, 1, null)).isEqualTo(50 * MS);
        assertThat(Backoffs.delayNanos(linear, 4, null)).isEqualTo(200 * MS);
        assertThat(Backoffs.delayNanos(fixed, 1, null)).isEqualTo(50 * MS);
        assertThat(Backoffs.delayNanos(fixed, 4, null)).isEqualTo(50 * MS);
    }

    @Test
    void hugeAttemptCountsAreCappedAtMaxBackoff() {
        RetrySettings retry = RetrySettings.builder()
                .maxBackoff(Duration.ofSeconds(10))
                .jitter(0)
                .build();

        assertThat(Backoffs.delayNanos(retry, 5_000, null))
                .isEqualTo(Duration.ofSeconds(10).toNanos());
    }

    @Test
    void retryAfterRaisesTheDelayEvenAboveMaxBackoff() {
        RetrySettings retry = RetrySettings.builder()
                .minBackoff(Duration.ofMillis(10))
                .maxBackoff(Duration.ofMillis(100))
                .build();

        long delay = Backoffs.delayNanos(retry, 1, new HttpStatusException(503, Duration.ofSeconds(5)));
        long shortRetryAfter = Backoffs.delayNanos(
                retry.mutate().jitter(0).build(), 1, new HttpStatusException(503, Duration.ofMillis(1)));

        assertThat(delay).isEqualTo(Duration.ofSeconds(5).toNanos());
        assertThat(shortRetryAfter).isEqualTo(10 * MS);
    }
}
