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
 * @param storeKeyPrefix prefix of the dead-letter store's Redis keys ({@code <prefix>:dlq:{<subscriber>}}), and of the
 *     durable transport's ({@code <prefix>:ev:{order.placed:<p>}})
 * @param durable keep {@code order.placed} in Redis Streams ({@link Order#PLACED_DURABLE}), shared by every instance
 *     on the same Redis, instead of in this process's inboxes; {@link #serve} leaves it off (the command line turns it
 *     on unless {@code --in-process})
 * @param joinDir the data directory of a running demo whose embedded Redis this one uses ({@code --join}), or null
 * @param downstreamUrl the inventory/mail service the subscribers call instead of the demo's own chaos-controlled one
 *     ({@code --downstream-url}; the multi-process scenario's recording downstream), or null for the demo's own
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
        String storeKeyPrefix,
        boolean durable,
        @Nullable Path joinDir,
        @Nullable String downstreamUrl) {

    /** Default directory for local files, relative to the working directory. */
    static final Path DEFAULT_DATA_DIR = Path.of("target", "sluice-demo");
    /** Default prefix of the store's Redis keys (DESIGN.md "Dead letters in Redis"). */
    static final String DEFAULT_KEY_PREFIX = "sluice";

    /** The service's settings: redrive after 1 s, 5 s, 30 s; breaker open for 5 s; in-process, no join. */
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
                DEFAULT_KEY_PREFIX,
                false,
                null,
                null);
    }

    /** Copy the fields; {@code redriveDelays} is kept as an unmodifiable copy. */
    DemoSettings {
        redriveDelays = List.copyOf(redriveDelays);
    }

    /** Return a builder that starts from these settings; {@link Builder#build()} gives the changed copy. */
    Builder mutate() {
        return new Builder(this);
    }

    /** Changes to a copy of {@link DemoSettings}; not thread-safe, use it on one thread and throw it away. */
    static final class Builder {

        private String host;
        private int port;
        private @Nullable String redisUrl;
        private @Nullable String adminToken;
        private @Nullable String webhookUrl;
        private List<Duration> redriveDelays;
        private Duration redrivePoll;
        private int redriveBatch;
        private Duration breakerOpenWait;
        private double emailFailureRate;
        private Duration analyticsWork;
        private boolean quietAlerts;
        private Path dataDir;
        private String storeKeyPrefix;
        private boolean durable;
        private @Nullable Path joinDir;
        private @Nullable String downstreamUrl;

        private Builder(DemoSettings from) {
            this.host = from.host;
            this.port = from.port;
            this.redisUrl = from.redisUrl;
            this.adminToken = from.adminToken;
            this.webhookUrl = from.webhookUrl;
            this.redriveDelays = from.redriveDelays;
            this.redrivePoll = from.redrivePoll;
            this.redriveBatch = from.redriveBatch;
            this.breakerOpenWait = from.breakerOpenWait;
            this.emailFailureRate = from.emailFailureRate;
            this.analyticsWork = from.analyticsWork;
            this.quietAlerts = from.quietAlerts;
            this.dataDir = from.dataDir;
            this.storeKeyPrefix = from.storeKeyPrefix;
            this.durable = from.durable;
            this.joinDir = from.joinDir;
            this.downstreamUrl = from.downstreamUrl;
        }

        /** Set every subscriber's scheduled redrive: its delays, how often it looks, and most letters per look. */
        Builder redrive(List<Duration> delays, Duration poll, int batch) {
            this.redriveDelays = delays;
            this.redrivePoll = poll;
            this.redriveBatch = batch;
            return this;
        }

        /** Set how long the inventory breaker stays open. */
        Builder breakerOpenWait(Duration wait) {
            this.breakerOpenWait = wait;
            return this;
        }

        /** Log alerts at debug ({@code true}) or info. */
        Builder quietAlerts(boolean quiet) {
            this.quietAlerts = quiet;
            return this;
        }

        /** Put the local files (embedded Redis, the store's journal) in {@code dir}. */
        Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** Put the store's Redis keys under {@code prefix}. */
        Builder storeKeyPrefix(String prefix) {
            this.storeKeyPrefix = prefix;
            return this;
        }

        /** Keep {@code order.placed} durable ({@code true}) or in-process. */
        Builder durable(boolean durable) {
            this.durable = durable;
            return this;
        }

        /** Use the embedded Redis of the demo whose data directory is {@code dir} (null: none). */
        Builder joinDir(@Nullable Path dir) {
            this.joinDir = dir;
            return this;
        }

        /** Call the downstream at {@code url} instead of starting the demo's own (null: start it). */
        Builder downstreamUrl(@Nullable String url) {
            this.downstreamUrl = blankToNull(url);
            return this;
        }

        /** Return the settings. */
        DemoSettings build() {
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
                    storeKeyPrefix,
                    durable,
                    joinDir,
                    downstreamUrl);
        }
    }

    private static @Nullable String blankToNull(@Nullable String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
