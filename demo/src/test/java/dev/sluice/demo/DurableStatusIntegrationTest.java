package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import reactor.netty.http.client.HttpClient;

/**
 * Two demos with a durable {@code order.placed} on one real Redis, over real HTTP on port 0: they share every order
 * subscriber's partitions, {@code /status.json} and the {@code /status/stream} feed carry each subscriber's instances,
 * owners, lag, pending, oldest pending age, redeliveries, ownership changes and audit, every order published through
 * either is acknowledged once for each group, and the one left takes every partition when the other stops.
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class DurableStatusIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int ORDERS = 40;

    @Test
    void twoInstancesShareThePartitionsAndStatusShowsIt(TestRedis redis, @TempDir Path dir) throws Exception {
        DemoSettings settings = DemoSettings.serve(
                        "127.0.0.1", 0, "redis://" + redis.host() + ":" + redis.port(), null, null)
                .mutate()
                .durable(true)
                .storeKeyPrefix(TestStores.prefix(redis))
                .quietAlerts(true)
                .build();
        try (DemoRuntime b =
                DemoRuntime.start(settings.mutate().dataDir(dir.resolve("b")).build(), OutcomeListener.NONE)) {
            JsonNode shared;
            JsonNode stream;
            try (DemoRuntime a = DemoRuntime.start(
                    settings.mutate().dataDir(dir.resolve("a")).build(), OutcomeListener.NONE)) {
                shared = awaitStatus(a.port(), status -> splitBetween(status, 2));
                for (int i = 0; i < ORDERS; i++) {
                    int port = i % 2 == 0 ? a.port() : b.port();
                    String order = "{\"orderId\":\"o-" + i + "\",\"customerEmail\":\"c" + i
                            + "@example.com\",\"sku\":\"SKU-1\",\"quantity\":1}";
                    assertThat(HttpReply.call(port, "POST", "/events/order.placed", "application/json", order, null)
                                    .status())
                            .isEqualTo(202);
                }
                awaitStatus(a.port(), DurableStatusIntegrationTest::quiet);
                stream = firstFrame(b.port());
            }
            JsonNode alone = awaitStatus(b.port(), status -> splitBetween(status, 1));

            assertThat(shared.path("mode").asText()).isEqualTo("durable");
            assertThat(shared.path("partitions").asInt()).isEqualTo(16);
            for (String name : Subscribers.ORDER_SUBSCRIBERS) {
                JsonNode durable = subscriber(shared, name).path("durable");
                assertThat(durable.path("instances")).hasSize(2);
                assertThat(durable.path("owners").size()).isEqualTo(2);
                assertThat(durable.has("lag")).isTrue();
                assertThat(durable.has("pending")).isTrue();
                assertThat(durable.has("oldestPendingAgeSeconds")).isTrue();
                assertThat(durable.has("redeliveries")).isTrue();
                assertThat(durable.path("ownershipChanges").asLong()).isPositive();
                assertThat(durable.path("audit").has("acked")).isTrue();

                JsonNode fed = subscriber(stream, name).path("durable");
                assertThat(fed.path("instances")).isNotEmpty();
                assertThat(fed.path("owned")).isNotEmpty();
                assertThat(fed.path("audit").path("undelivered").asLong()).isZero();
                assertThat(fed.path("audit").path("pending").asLong()).isZero();
                assertThat(fed.path("audit").path("acked").asLong()).isEqualTo(ORDERS);

                JsonNode last = subscriber(alone, name).path("durable");
                assertThat(last.path("owned")).hasSize(16);
                assertThat(last.path("instances")).hasSize(1);
            }
            assertThat(stream.path("instance").asText()).isEqualTo(b.instance);
        }
    }

    /** Whether every order subscriber's 16 partitions are owned, each by one of {@code instances} live members. */
    private static boolean splitBetween(JsonNode status, int instances) {
        for (String name : Subscribers.ORDER_SUBSCRIBERS) {
            JsonNode durable = subscriber(status, name).path("durable");
            if (durable.path("instances").size() != instances
                    || durable.path("owners").size() != instances) {
                return false;
            }
            Set<Integer> owned = new HashSet<>();
            durable.path("owners").forEach(ps -> ps.forEach(p -> owned.add(p.asInt())));
            if (owned.size() != 16) {
                return false;
            }
        }
        return true;
    }

    /** Whether every order subscriber's group acknowledged all {@link #ORDERS} orders and holds none pending. */
    private static boolean quiet(JsonNode status) {
        for (String name : Subscribers.ORDER_SUBSCRIBERS) {
            JsonNode audit = subscriber(status, name).path("durable").path("audit");
            if (audit.path("acked").asLong() != ORDERS || audit.path("pending").asLong() != 0) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode subscriber(JsonNode status, String name) {
        for (JsonNode subscriber : status.path("subscribers")) {
            if (subscriber.path("name").asText().equals(name)) {
                return subscriber;
            }
        }
        throw new AssertionError("no subscriber " + name + " in " + status);
    }

    /** Poll {@code /status.json} (100 ms apart, on the test thread) until {@code done}; fail after {@link #WAIT}. */
    private static JsonNode awaitStatus(int port, Predicate<JsonNode> done) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode status = null;
        while (System.nanoTime() - deadline < 0) {
            status = json(HttpReply.call(port, "GET", "/status.json").body());
            if (done.test(status)) {
                return status;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        throw new AssertionError("status of port " + port + " never got there within " + WAIT + "; last: " + status);
    }

    /** Return the JSON of the first {@code status} event of the SSE feed. */
    private static JsonNode firstFrame(int port) {
        String frame = Objects.requireNonNull(
                HttpClient.create()
                        .get()
                        .uri("http://127.0.0.1:" + port + "/status/stream")
                        .responseContent()
                        .asString()
                        // a frame may come in more than one chunk: gather until the first data line has ended its event
                        .scan("", String::concat)
                        .filter(text -> text.contains("data:")
                                && text.substring(text.indexOf("data:")).contains("\n\n"))
                        .next()
                        .block(Duration.ofSeconds(10)),
                "no status frame");
        String data = List.of(frame.split("\n")).stream()
                .filter(line -> line.startsWith("data: "))
                .findFirst()
                .orElseThrow()
                .substring("data: ".length());
        return json(data);
    }

    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
