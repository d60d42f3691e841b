package dev.sluice.demo;

import dev.sluice.bus.BusMetrics;
import dev.sluice.bus.DeadLetterStore;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.bus.redis.RedisStreamTransport;
import dev.sluice.policy.PolicyMetrics;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running demo: Redis (embedded unless a URL is given or another demo's is joined), the dead-letter store, the
 * durable transport of {@code order.placed} (unless in-process), the chaos-controlled downstream (unless another is
 * given), the bus and its
 * subscribers, the meter registry, and the HTTP API. Started and closed on a plain thread (main, a test), never on a
 * Reactor or Netty thread.
 */
final class DemoRuntime implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DemoRuntime.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    final DemoSettings settings;
    final Chaos chaos = new Chaos();
    final EventBus bus;
    final DeadLetterStore store;
    final Subscribers subscribers;
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final RecentFailures recentFailures;
    final Alerts alerts;
    final StatefulRedisConnection<String, String> redis;
    final String redisUrl;
    /** The type the demo publishes: {@link Order#PLACED_DURABLE}, or {@link Order#PLACED} in-process. */
    final EventType<Order> orders;
    /** The transport of the durable {@code order.placed}, or null in-process. */
    final @Nullable RedisStreamTransport transport;
    /** This instance's name: the transport's instance id, or {@code sluice-demo} in-process. */
    final String instance;

    private final @Nullable EmbeddedRedis embedded;
    private final RedisClient redisClient;
    private final DeadLetterStore rawStore;
    /** The demo's own downstream, or null when {@code --downstream-url} names another one. */
    private final @Nullable Downstream downstream;

    final DownstreamClient downstreamClient;
    private final DemoServer server;

    private DemoRuntime(DemoSettings settings, OutcomeListener listener) throws IOException {
        this.settings = settings;
        Path dataDir = settings.dataDir();
        String url = settings.redisUrl();
        Path joinDir = settings.joinDir();
        if ((url == null || url.isBlank()) && joinDir != null) {
            this.embedded = null;
            url = JoinedRedis.url(joinDir);
            log.info("Joined the embedded Redis at {} of the demo on {}; this demo never stops it", url, joinDir);
        } else if (url == null || url.isBlank()) {
            this.embedded = EmbeddedRedis.start(dataDir.resolve("redis"));
            url = embedded.url();
            log.info(
                    "No SLUICE_REDIS_URL given: using the embedded Redis at {}; its data (AOF) stays in {}",
                    url,
                    embedded.dir());
        } else {
            this.embedded = null;
            log.info("Using the Redis at {} (SLUICE_REDIS_URL)", redacted(url));
        }
        this.redisUrl = url;
        String downstreamUrl = settings.downstreamUrl();
        try {
            this.redisClient = RedisClient.create(url);
            this.redis = redisClient.connect();
            this.rawStore = DemoStores.create(url, settings.storeKeyPrefix(), dataDir);
            log.info("Dead letters go to the Redis streams {}:dlq:{<subscriber>}", settings.storeKeyPrefix());
            this.store = listener == OutcomeListener.NONE ? rawStore : new ObservedDeadLetterStore(rawStore, listener);
            if (downstreamUrl == null) {
                this.downstream = Downstream.start(chaos, settings.emailFailureRate());
                downstreamUrl = downstream.baseUrl();
            } else {
                this.downstream = null;
            }
            this.alerts = new Alerts(settings.webhookUrl(), settings.quietAlerts());
            this.orders = settings.durable() ? Order.PLACED_DURABLE : Order.PLACED;
            this.transport = settings.durable() ? DemoTransport.create(url, settings.storeKeyPrefix()) : null;
            this.instance = transport == null ? "sluice-demo" : transport.instanceId();
            this.downstreamClient = new DownstreamClient(downstreamUrl, instance);
            EventBus.Builder builder = EventBus.builder().deadLetterStore(store).instance(instance);
            if (transport != null) {
                builder.transport(transport);
            }
            this.bus = builder.build();
            bus.register(orders);
            // on the starting thread (main, a test): fail now, naming the cause, if the type cannot be declared
            bus.ready().block(DemoTransport.READY_TIMEOUT);
            this.recentFailures = new RecentFailures(bus);
            this.subscribers = Subscribers.subscribe(bus, orders, settings, downstreamClient, alerts, listener);
            BusMetrics.of(bus).bindTo(registry);
            PolicyMetrics.of(subscribers.policies()).bindTo(registry);
            if (rawStore instanceof MeterBinder binder) {
                binder.bindTo(registry);
            }
            if (transport != null) {
                transport.bindTo(registry);
                log.info(
                        "order.placed is durable: Redis streams {}:ev:{order.placed:<0..15>}, instance {}; every demo "
                                + "on this Redis shares its subscribers' work",
                        settings.storeKeyPrefix(),
                        instance);
            }
            this.server = DemoServer.start(this, settings.host(), settings.port());
        } catch (RuntimeException | Error e) {
            // the embedded redis-server is a process of its own: it must not outlive a demo that failed to start (its
            // connections may still be open here, so it is stopped whoever else is connected)
            stopEmbedded(true);
            throw e;
        }
        log.info(
                "Downstream inventory/mail service on {}{}; alerts go to {}",
                downstreamUrl,
                downstream == null ? " (--downstream-url: /chaos does not reach it)" : "",
                settings.webhookUrl() == null ? "the log" : "SLUICE_WEBHOOK_URL");
    }

    /** Start everything; {@code listener} hears the order subscribers' outcomes. */
    static DemoRuntime start(DemoSettings settings, OutcomeListener listener) throws IOException {
        return new DemoRuntime(settings, listener);
    }

    int port() {
        return server.port();
    }

    String baseUrl() {
        return "http://" + server.host() + ":" + server.port();
    }

    /** Wait until the HTTP server is closed; for {@code main} only. */
    void awaitClose() {
        server.awaitClose();
    }

    @Override
    public void close() {
        log.info(
                "Stopping: HTTP first, then the bus drains its inboxes (up to {}; the rest become SHUTDOWN letters)",
                CLOSE_TIMEOUT);
        try {
            server.close();
            // close() runs on main or the JVM's shutdown hook, never on a Reactor or Netty thread: waiting is the point
            bus.close(CLOSE_TIMEOUT).block(CLOSE_TIMEOUT.plusSeconds(5));
            if (transport != null) {
                // after the bus: its consumers have released their partitions, so other instances take over at once
                transport.close().block(CLOSE_TIMEOUT);
            }
            recentFailures.close();
            downstreamClient.close();
            if (downstream != null) {
                downstream.close();
            }
            if (rawStore instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    log.warn("Could not close the dead-letter store", e);
                }
            }
            redis.close();
            redisClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } finally {
            // whatever failed above, the redis-server process must not outlive the demos that use it
            stopEmbedded(false);
        }
    }

    /**
     * Stop the embedded Redis, if this runtime started or adopted one and no other demo uses it (last: the store may
     * flush to it while closing).
     */
    private void stopEmbedded(boolean evenIfShared) {
        if (embedded != null) {
            try {
                if (evenIfShared) {
                    embedded.close();
                    log.info("Stopped the embedded Redis (pid {})", embedded.pid());
                } else if (embedded.closeUnlessShared()) {
                    log.info("Stopped the embedded Redis (pid {})", embedded.pid());
                }
            } catch (IOException e) {
                log.warn("Could not stop the embedded Redis (pid {})", embedded.pid(), e);
            }
        }
    }

    private static String redacted(String url) {
        return url.replaceAll("//[^@/]*@", "//***@");
    }
}
