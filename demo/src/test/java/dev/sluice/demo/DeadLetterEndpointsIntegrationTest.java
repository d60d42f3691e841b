package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.bus.DeadLetterQuery;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * The dead-letter endpoints of issue 14 over real HTTP on port 0, on a real Redis: the count of every match (not the
 * page's size), a time range on {@code deadLetteredAt}, and the admin purge of one subscriber's letters.
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class DeadLetterEndpointsIntegrationTest {

    private static final String TOKEN = "s3cret";
    private static final int BOUNCES = 4;

    @Test
    void countsEveryMatchFiltersByTimeAndPurgesOnlyWithTheToken(TestRedis redis, @TempDir Path dir) throws Exception {
        DemoSettings settings = DemoSettings.serve(
                        "127.0.0.1", 0, "redis://" + redis.host() + ":" + redis.port(), TOKEN, null)
                .mutate()
                // no scheduled redrive while the test looks
                .redrive(List.of(Duration.ofMinutes(10)), Duration.ofSeconds(1), 100)
                .dataDir(dir)
                .storeKeyPrefix(TestStores.prefix(redis))
                .quietAlerts(true)
                .build();
        try (DemoRuntime demo = DemoRuntime.start(settings, OutcomeListener.NONE)) {
            int port = demo.port();
            Instant before = Instant.now();
            for (int i = 0; i < BOUNCES; i++) {
                String order = "{\"orderId\":\"o-count-" + i + "\",\"customerEmail\":\"nobody"
                        + Downstream.HOPELESS_DOMAIN + "\",\"sku\":\"SKU-1\",\"quantity\":1}";
                assertThat(HttpReply.call(port, "POST", "/events/order.placed", "application/json", order, null)
                                .status())
                        .isEqualTo(202);
            }
            awaitEmailLetters(demo, BOUNCES);
            String future = Instant.now().plusSeconds(3600).toString();

            HttpReply page = HttpReply.call(port, "GET", "/dead-letters?subscriber=email&limit=1");
            HttpReply count = HttpReply.call(port, "GET", "/dead-letters/count?subscriber=email");
            HttpReply since = HttpReply.call(port, "GET", "/dead-letters/count?subscriber=email&from=" + before);
            HttpReply later = HttpReply.call(port, "GET", "/dead-letters?subscriber=email&from=" + future);
            HttpReply upTo = HttpReply.call(port, "GET", "/dead-letters/count?subscriber=email&to=" + before);
            HttpReply all = HttpReply.call(port, "GET", "/dead-letters/count");
            HttpReply backwards = HttpReply.call(port, "GET", "/dead-letters/count?from=" + future + "&to=" + before);
            HttpReply notATime = HttpReply.call(port, "GET", "/dead-letters/count?from=yesterday");
            HttpReply purgeNoToken = HttpReply.call(port, "DELETE", "/dead-letters/email");
            HttpReply purgeUnknown = HttpReply.call(port, "DELETE", "/dead-letters/nobody", null, null, TOKEN);
            HttpReply purge = HttpReply.call(port, "DELETE", "/dead-letters/email", null, null, TOKEN);
            HttpReply afterPurge = HttpReply.call(port, "GET", "/dead-letters/count?subscriber=email");

            assertThat(page.status()).isEqualTo(200);
            assertThat(json(page).path("count").asLong()).isEqualTo(1);
            assertThat(json(page).path("total").asLong()).isEqualTo(BOUNCES);
            assertThat(count.status()).isEqualTo(200);
            assertThat(json(count).path("total").asLong()).isEqualTo(BOUNCES);
            assertThat(json(count).path("subscribers").path("email").asLong()).isEqualTo(BOUNCES);
            assertThat(json(since).path("total").asLong()).isEqualTo(BOUNCES);
            assertThat(json(later).path("total").asLong()).isZero();
            assertThat(json(later).path("letters")).isEmpty();
            assertThat(json(upTo).path("total").asLong()).isZero();
            assertThat(json(all).path("subscribers").fieldNames())
                    .toIterable()
                    .contains("inventory", "email", "analytics");
            assertThat(backwards.status()).isEqualTo(400);
            assertThat(notATime.status()).isEqualTo(400);
            assertThat(notATime.contentType()).isEqualTo(Problem.CONTENT_TYPE);
            assertThat(purgeNoToken.status()).isEqualTo(401);
            assertThat(purgeUnknown.status()).isEqualTo(404);
            assertThat(purge.status()).isEqualTo(200);
            assertThat(json(purge).path("purged").asLong()).isEqualTo(BOUNCES);
            assertThat(json(afterPurge).path("total").asLong()).isZero();
        }
    }

    /** Wait (bounded) until {@code email} holds {@code n} live letters: each bounce is one after its two attempts. */
    private static void awaitEmailLetters(DemoRuntime demo, long n) {
        Flux.interval(Duration.ZERO, Duration.ofMillis(20))
                .onBackpressureDrop()
                .concatMap(tick -> demo.store.count(DeadLetterQuery.of("email")), 1)
                .filter(count -> count >= n)
                .next()
                .block(Duration.ofSeconds(30));
    }

    private static JsonNode json(HttpReply reply) {
        try {
            return Json.MAPPER.readTree(reply.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + reply.body(), e);
        }
    }
}
