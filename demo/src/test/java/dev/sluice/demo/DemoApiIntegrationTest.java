package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.bus.DeadLetterQuery;
import dev.sluice.bus.SubscriberStats;
import dev.sluice.testsupport.FaultProxy;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;

/** Every endpoint and every error status of the demo's API over real HTTP on port 0, on a real Redis. */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class DemoApiIntegrationTest {

    private static final String TOKEN = "s3cret";
    private static final String JSON = "application/json";

    private static DemoRuntime demo;
    private static int port;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start(TestRedis redis) throws Exception {
        demo = DemoRuntime.start(
                settings("redis://" + redis.host() + ":" + redis.port())
                        .mutate()
                        .dataDir(dir.resolve("main"))
                        .storeKeyPrefix(TestStores.prefix(redis))
                        .build(),
                OutcomeListener.NONE);
        port = demo.port();
    }

    @AfterAll
    static void stop() {
        demo.close();
    }

    private static DemoSettings settings(String redisUrl) {
        return DemoSettings.serve("127.0.0.1", 0, redisUrl, TOKEN, null)
                .mutate()
                .redrive(
                        // long delays: nothing is redriven on schedule while a test looks, a manual redrive is FAILED
                        java.util.List.of(Duration.ofMinutes(10), Duration.ofMinutes(10), Duration.ofMinutes(10)),
                        Duration.ofSeconds(1),
                        100)
                .build();
    }

    private static String order(String id, String email) {
        return "{\"orderId\":\"" + id + "\",\"customerEmail\":\"" + email + "\",\"sku\":\"SKU-1\",\"quantity\":2}";
    }

    private static HttpReply post(String path, String contentType, String body) {
        return HttpReply.call(port, "POST", path, contentType, body, null);
    }

    private static long offered() {
        return demo.bus.stats().entrySet().stream()
                .filter(e -> Subscribers.ORDER_SUBSCRIBERS.contains(e.getKey()))
                .map(java.util.Map.Entry::getValue)
                .mapToLong(SubscriberStats::offered)
                .sum();
    }

    private static double publishedOrders() {
        return demo.registry
                .get("sluice.events.published")
                .tag("type", "order.placed")
                .functionCounter()
                .count();
    }

    @Test
    void publishAnswers202WithTheEventIdAndFansOut() {
        long before = offered();

        HttpReply reply = post("/events/order.placed", JSON, order("o-accepted", "a@example.com"));

        assertThat(reply.status()).isEqualTo(202);
        assertThat(reply.contentType()).isEqualTo(JSON);
        assertThat(json(reply).path("id").asText()).isNotBlank();
        assertThat(offered()).isGreaterThanOrEqualTo(before + 3);
    }

    @Test
    void badRequestsAreProblemsAndEnqueueNothing() {
        double published = publishedOrders();
        long offered = offered();

        HttpReply unknownType = post("/events/order.shipped", JSON, order("o1", "a@example.com"));
        HttpReply wrongType = post("/events/order.placed", "text/plain", order("o2", "a@example.com"));
        HttpReply noType = post("/events/order.placed", null, order("o3", "a@example.com"));
        HttpReply malformed = post("/events/order.placed", JSON, "{\"orderId\":");
        HttpReply notObject = post("/events/order.placed", JSON, "[1,2]");
        HttpReply unknownField = post("/events/order.placed", JSON, "{\"orderId\":\"o4\",\"colour\":\"red\"}");
        HttpReply invalid = post("/events/order.placed", JSON, order("o5", "not-an-email"));
        HttpReply tooLarge = post("/events/order.placed", JSON, "{\"orderId\":\"" + "x".repeat(70_000) + "\"}");

        assertThat(unknownType.status()).isEqualTo(404);
        for (HttpReply reply : new HttpReply[] {wrongType, noType, malformed, notObject, unknownField, invalid}) {
            assertThat(reply.status()).as(reply.body()).isEqualTo(400);
        }
        assertThat(tooLarge.status()).isEqualTo(413);
        for (HttpReply reply :
                new HttpReply[] {unknownType, wrongType, noType, malformed, notObject, unknownField, invalid, tooLarge
                }) {
            assertProblem(reply);
        }
        assertThat(json(invalid).path("detail").asText()).contains("customerEmail");
        assertThat(publishedOrders()).isEqualTo(published);
        assertThat(offered()).isEqualTo(offered);
    }

    @Test
    void deadLettersCanBeListedReadRedrivenAndDeleted() {
        String id = "o-bounce-" + System.nanoTime();
        assertThat(post("/events/order.placed", JSON, order(id, "nobody@bounce.example"))
                        .status())
                .isEqualTo(202);
        String letterId = awaitEmailLetter(id);

        HttpReply list =
                HttpReply.call(port, "GET", "/dead-letters?subscriber=email&reason=RETRIES_EXHAUSTED&limit=500");
        HttpReply one = HttpReply.call(port, "GET", "/dead-letters/email/" + letterId);
        HttpReply redriveNoToken = HttpReply.call(port, "POST", "/dead-letters/email/redrive");
        HttpReply redrive = HttpReply.call(port, "POST", "/dead-letters/email/redrive?limit=500", null, null, TOKEN);
        HttpReply deleteNoToken = HttpReply.call(port, "DELETE", "/dead-letters/email/" + letterId);
        HttpReply delete = HttpReply.call(port, "DELETE", "/dead-letters/email/" + letterId, null, null, TOKEN);
        HttpReply deleteAgain = HttpReply.call(port, "DELETE", "/dead-letters/email/" + letterId, null, null, TOKEN);
        HttpReply gone = HttpReply.call(port, "GET", "/dead-letters/email/" + letterId);

        assertThat(list.status()).isEqualTo(200);
        assertThat(json(list).path("letters").findValuesAsText("letterId")).contains(letterId);
        assertThat(one.status()).isEqualTo(200);
        assertThat(json(one).path("payload").path("orderId").asText()).isEqualTo(id);
        assertThat(json(one).path("reason").asText()).isEqualTo("RETRIES_EXHAUSTED");
        assertThat(redriveNoToken.status()).isEqualTo(401);
        assertProblem(redriveNoToken);
        assertThat(redrive.status()).isEqualTo(200);
        assertThat(redrive.contentType()).isEqualTo("application/x-ndjson");
        assertThat(redrive.body().lines().map(DemoApiIntegrationTest::json)).anySatisfy(line -> {
            assertThat(line.path("letterId").asText()).isEqualTo(letterId);
            assertThat(line.path("status").asText()).isEqualTo("FAILED");
        });
        assertThat(deleteNoToken.status()).isEqualTo(401);
        assertThat(delete.status()).isEqualTo(204);
        assertThat(deleteAgain.status()).isEqualTo(404);
        assertProblem(deleteAgain);
        assertThat(gone.status()).isEqualTo(404);
    }

    @Test
    void deadLetterQueriesWithBadParametersAreProblems() {
        HttpReply unknownSubscriber = HttpReply.call(port, "GET", "/dead-letters?subscriber=nobody");
        HttpReply badReason = HttpReply.call(port, "GET", "/dead-letters?subscriber=email&reason=BORED");
        HttpReply badLimit = HttpReply.call(port, "GET", "/dead-letters?limit=0");
        HttpReply unknownLetter = HttpReply.call(port, "GET", "/dead-letters/email/no-such-letter");
        HttpReply redriveUnknown = HttpReply.call(port, "POST", "/dead-letters/nobody/redrive", null, null, TOKEN);
        HttpReply all = HttpReply.call(port, "GET", "/dead-letters");

        assertThat(unknownSubscriber.status()).isEqualTo(404);
        assertThat(badReason.status()).isEqualTo(400);
        assertThat(badLimit.status()).isEqualTo(400);
        assertThat(unknownLetter.status()).isEqualTo(404);
        assertThat(redriveUnknown.status()).isEqualTo(404);
        for (HttpReply reply :
                new HttpReply[] {unknownSubscriber, badReason, badLimit, unknownLetter, redriveUnknown}) {
            assertProblem(reply);
        }
        assertThat(all.status()).isEqualTo(200);
        assertThat(json(all).has("letters")).isTrue();
    }

    @Test
    void chaosIsReadableAndChangedOnlyWithTheToken() {
        HttpReply read = HttpReply.call(port, "GET", "/chaos");
        HttpReply noToken = post("/chaos", JSON, "{\"latencyMs\":5}");
        HttpReply wrongToken = HttpReply.call(port, "POST", "/chaos", JSON, "{\"latencyMs\":5}", "wrong");
        HttpReply badValue = HttpReply.call(port, "POST", "/chaos", JSON, "{\"errorRate\":2}", TOKEN);
        HttpReply badField = HttpReply.call(port, "POST", "/chaos", JSON, "{\"storm\":true}", TOKEN);
        HttpReply set = HttpReply.call(port, "POST", "/chaos", JSON, "{\"latencyMs\":5}", TOKEN);
        Chaos.Settings applied = demo.chaos.get();
        HttpReply calm = HttpReply.call(port, "POST", "/chaos", JSON, "{\"latencyMs\":0}", TOKEN);

        assertThat(read.status()).isEqualTo(200);
        assertThat(json(read).has("outage")).isTrue();
        assertThat(noToken.status()).isEqualTo(401);
        assertThat(wrongToken.status()).isEqualTo(401);
        assertThat(badValue.status()).isEqualTo(400);
        assertThat(badField.status()).isEqualTo(400);
        for (HttpReply reply : new HttpReply[] {noToken, wrongToken, badValue, badField}) {
            assertProblem(reply);
        }
        assertThat(set.status()).isEqualTo(200);
        assertThat(applied.latencyMs()).isEqualTo(5);
        assertThat(calm.status()).isEqualTo(200);
    }

    @Test
    void metricsAreSluiceMetersInPrometheusTextEachWithHelp() {
        HttpReply metrics = HttpReply.call(port, "GET", "/metrics");

        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.contentType()).startsWith("text/plain");
        Matcher families = Pattern.compile("(?m)^# TYPE (sluice_\\S+) ").matcher(metrics.body());
        int count = 0;
        while (families.find()) {
            count++;
            assertThat(metrics.body()).contains("# HELP " + families.group(1) + " ");
        }
        assertThat(count).isGreaterThan(5);
        assertThat(metrics.body())
                .contains("sluice_events_handled", "sluice_dead_letters_written", "sluice_inbox_size");
    }

    @Test
    void healthIsUpWithEverySubscriber() {
        HttpReply health = HttpReply.call(port, "GET", "/health");

        assertThat(health.status()).as(health.body()).isEqualTo(200);
        JsonNode json = json(health);
        assertThat(json.path("status").asText()).isEqualTo("UP");
        assertThat(json.path("redis").asText()).isEqualTo("UP");
        assertThat(json.path("store").path("status").asText()).isEqualTo("UP");
        assertThat(json.path("subscribers").fieldNames())
                .toIterable()
                .contains("inventory", "email", "analytics", "alerts-breaker", "alerts-parked");
    }

    @Test
    void statusPageIsOneSelfContainedHtmlPageAndItsStreamSendsSnapshots() {
        HttpReply page = HttpReply.call(port, "GET", "/status");
        String first = HttpClient.create()
                .get()
                .uri("http://127.0.0.1:" + port + "/status/stream")
                .responseContent()
                .asString()
                .filter(chunk -> chunk.contains("data:"))
                .next()
                .block(Duration.ofSeconds(10));

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        assertThat(page.body())
                .contains("EventSource(\"/status/stream\")")
                .doesNotContain("<script src=", "http://", "https://");
        assertThat(first).contains("\"subscribers\"", "\"breaker\"", "\"inboxCapacity\"");
    }

    @Test
    void unknownRoutesAreProblems() {
        HttpReply reply = HttpReply.call(port, "GET", "/nope");

        assertThat(reply.status()).isEqualTo(404);
        assertProblem(reply);
    }

    @Test
    void healthIs503AndPublishIs503WhenThingsAreDown(TestRedis redis) throws Exception {
        try (FaultProxy proxy = FaultProxy.start(redis.host(), redis.port());
                DemoRuntime other = DemoRuntime.start(
                        settings("redis://" + proxy.host() + ":" + proxy.port())
                                .mutate()
                                .dataDir(dir.resolve("other"))
                                .storeKeyPrefix(TestStores.prefix(redis))
                                .build(),
                        OutcomeListener.NONE)) {
            proxy.cut();
            HttpReply health = HttpReply.call(other.port(), "GET", "/health");
            other.bus.close(Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
            HttpReply closed = HttpReply.call(
                    other.port(), "POST", "/events/order.placed", JSON, order("o-closed", "a@example.com"), null);

            assertThat(health.status()).isEqualTo(503);
            assertThat(json(health).path("redis").asText()).isEqualTo("DOWN");
            assertThat(closed.status()).isEqualTo(503);
            assertProblem(closed);
        }
    }

    private static String awaitEmailLetter(String orderId) {
        return Flux.interval(Duration.ZERO, Duration.ofMillis(20))
                .onBackpressureDrop()
                .concatMap(
                        tick -> demo.store
                                .list(DeadLetterQuery.of("email").withPage(0, DeadLetterQuery.MAX_LIMIT))
                                .filter(letter -> letter.eventKey() != null
                                        && letter.eventKey().equals(orderId))
                                .next(),
                        1)
                .next()
                .map(letter -> letter.letterId())
                .block(Duration.ofSeconds(20));
    }

    private static void assertProblem(HttpReply reply) {
        assertThat(reply.contentType()).isEqualTo(Problem.CONTENT_TYPE);
        JsonNode json = json(reply);
        assertThat(json.path("status").asInt()).isEqualTo(reply.status());
        assertThat(json.path("title").asText()).isNotBlank();
        assertThat(reply.body()).doesNotContain("\tat ", "Exception:");
    }

    private static JsonNode json(HttpReply reply) {
        return json(reply.body());
    }

    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
