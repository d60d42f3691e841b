package dev.sluice.demo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The knobs of one demo run; {@link #serve} for the service, the scenario shortens the waits.
 *
 * @param host address the API binds
 * @param port API port, 0 for a free one
 * @param redisUrl Redis to use, or null to start an embedded one
 * @param adminToken bearer token the admin endpoints require, or null for none
 * @param webhookUrl where alerts are POSTed, or null to log them
 * @param redriveDelays scheduled redrive delays of every subscriber
 * @param redrivePoll how often each subscriber looks for due letters
 * @param redriveBatch most letters claimed per look
 * @param breakerOpenWait how long the inventory breaker stays open before it lets a few calls through
 * @param emailFailureRate share of mail the downstream refuses even when calm
 * @param analyticsWork time analytics spends on each event
 * @param quietAlerts log alerts at debug
 * @param dataDir local files: the embedded Redis's, and the dead-letter store's journal
 * @param storeKeyPrefix prefix of the dead-letter store's Redis keys ({@code <prefix>:dlq:{<subscriber>}})
 */
record DemoSettings(
        String host,
        int port,
        @Nullable String redisUrl,
        @Nullable String adminToken,
        @Nullable String webhookUrl,
        List<Duration> redriveDelays,
        Duration redrivePoll,
        int redriveBatch,
        Duration breakerOpenWait,
        double emailFailureRate,
        Duration analyticsWork,
        boolean quietAlerts,
        Path dataDir,
        String storeKeyPrefix) {

    /** Default directory for local files, relative to the working directory. */
    static final Path DEFAULT_DATA_DIR = Path.of("target", "sluice-demo");
    /** Default prefix of the store's Redis keys (DESIGN.md "Dead letters in Redis"). */
    static final String DEFAULT_KEY_PREFIX = "sluice";

    /** The service's settings: redrive after 1 s, 5 s, 30 s; breaker open for 5 s. */
    static DemoSettings serve(
            String host,
            int port,
            @Nullable String redisUrl,
            @Nullable String adminToken,
            @Nullable String webhookUrl) {
        return new DemoSettings(
                host,
                port,
                redisUrl,
                blankToNull(adminToken),
                blankToNull(webhookUrl),
                List.of(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30)),
                Duration.ofSeconds(1),
                500,
                Duration.ofSeconds(5),
                0.1,
                Duration.ofMillis(2),
                false,
                DEFAULT_DATA_DIR,
                DEFAULT_KEY_PREFIX);
    }

    DemoSettings withRedrive(List<Duration> delays, Duration poll, int batch) {
        return new DemoSettings(
                host,
                port,
                redisUrl,
                adminToken,
                webhookUrl,
                List.copyOf(delays),
                poll,
                batch,
                breakerOpenWait,
                emailFailureRate,
                analyticsWork,
                quietAlerts,
                dataDir,
                storeKeyPrefix);
    }

    DemoSettings withBreakerOpenWait(Duration wait) {
        return new DemoSettings(
                host,
                port,
                redisUrl,
                adminToken,
                webhookUrl,
                redriveDelays,
                redrivePoll,
                redriveBatch,
                wait,
                emailFailureRate,
                analyticsWork,
                quietAlerts,
                dataDir,
                storeKeyPrefix);
    }

    DemoSettings withQuietAlerts(boolean quiet) {
        return new DemoSettings(
                host,
                port,
                redisUrl,
                adminToken,
                webhookUrl,
                redriveDelays,
                redrivePoll,
                redriveBatch,
                breakerOpenWait,
                emailFailureRate,
                analyticsWork,
                quiet,
                dataDir,
                storeKeyPrefix);
    }

    /** Return these settings with the store's local files in {@code dataDir} and its Redis keys under {@code prefix}. */
    DemoSettings withStore(Path dataDir, String prefix) {
        return new DemoSettings(
                host,
                port,
                redisUrl,
                adminToken,
                webhookUrl,
                redriveDelays,
                redrivePoll,
                redriveBatch,
                breakerOpenWait,
                emailFailureRate,
                analyticsWork,
                quietAlerts,
                dataDir,
                prefix);
    }

    private static @Nullable String blankToNull(@Nullable String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
