package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.SubscriberStats;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.test.StepVerifier;

/**
 * Issue 8 item 5: bad input on the demo's HTTP API. Malformed and truncated JSON, wrong content types, oversized
 * bodies, unknown types, huge header values and many concurrent bad requests all get a {@code 4xx} (or, for a header
 * too large to parse, a closed connection), never a stack trace in the body; nothing is enqueued; the server keeps
 * serving.
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class BadInputIntegrationTest {

    private static final String JSON = "application/json";
    private static final String GOOD =
            "{\"orderId\":\"o-good\",\"customerEmail\":\"a@example.com\",\"sku\":\"SKU-1\",\"quantity\":2}";

    private static DemoRuntime demo;
    private static int port;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start(TestRedis redis) throws Exception {
        demo = DemoRuntime.start(
                DemoSettings.serve("127.0.0.1", 0, "redis://" + redis.host() + ":" + redis.port(), null, null)
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

    private static long offered() {
        return demo.bus.stats().values().stream()
                .mapToLong(SubscriberStats::offered)
                .sum();
    }

    private static void assertRefused(HttpReply reply, String what) {
        assertThat(reply.status()).as(what + ": " + reply.body()).isBetween(400, 499);
        assertThat(reply.body()).as(what).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void malformedTruncatedAndMistypedJsonIsRefusedWith400() {
        long before = offered();
        List<String> bodies = List.of(
                "",
                "{",
                "{\"orderId\":",
                GOOD.substring(0, GOOD.length() - 3),
                "[]",
                "null",
                "\"order\"",
                "{\"orderId\":1,\"customerEmail\":{},\"sku\":[],\"quantity\":\"two\"}",
                "{\"orderId\":\"o\",\"customerEmail\":\"not-an-email\",\"sku\":\"SKU-1\",\"quantity\":-5}",
                GOOD + "garbage",
                "\u0000\u0001\u0002");

        for (String body : bodies) {
            HttpReply reply = HttpReply.call(port, "POST", "/events/order.placed", JSON, body, null);
            assertRefused(reply, "body " + body);
            assertThat(reply.status()).as("body " + body).isEqualTo(400);
            assertThat(reply.contentType()).startsWith("application/problem+json");
        }

        assertThat(offered()).isEqualTo(before);
    }

    @Test
    void wrongContentTypesOversizedBodiesAndUnknownTypesAreRefused() {
        long before = offered();

        for (String type : new String[] {"text/plain", "application/xml", "application/x-www-form-urlencoded"}) {
            assertRefused(HttpReply.call(port, "POST", "/events/order.placed", type, GOOD, null), type);
        }
        assertRefused(HttpReply.call(port, "POST", "/events/order.placed", null, GOOD, null), "no content type");
        HttpReply big = HttpReply.call(port, "POST", "/events/order.placed", JSON, "x".repeat(70 * 1024), null);
        assertThat(big.status()).isEqualTo(413);
        // 8 MB: the server may answer 413 before reading it all and close, which the client can see as a reset
        StepVerifier.create(HttpClient.create()
                        .headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, JSON))
                        .post()
                        .uri("http://127.0.0.1:" + port + "/events/order.placed")
                        .send(ByteBufFlux.fromString(Mono.just("{\"a\":\"" + "x".repeat(8 << 20))))
                        .responseSingle(
                                (response, body) -> Mono.just(response.status().code()))
                        .onErrorReturn(-1))
                .assertNext(code -> assertThat(code).isIn(413, -1))
                .expectComplete()
                .verify(Duration.ofSeconds(20));
        for (String path :
                new String[] {"/events/order.cancelled", "/events/sluice.circuit.state-changed", "/events/"}) {
            assertRefused(HttpReply.call(port, "POST", path, JSON, GOOD, null), path);
        }

        assertThat(offered()).isEqualTo(before);
    }

    @Test
    void aHugeHeaderValueIsRefusedAndTheServerKeepsServing() {
        long before = offered();

        Mono<Integer> status = HttpClient.create()
                .headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, JSON).set("X-Huge", "h".repeat(64 * 1024)))
                .post()
                .uri("http://127.0.0.1:" + port + "/events/order.placed")
                .send(ByteBufFlux.fromString(Mono.just(GOOD)))
                .responseSingle((response, body) -> Mono.just(response.status().code()))
                .onErrorReturn(-1); // a header too large to parse may close the connection instead

        StepVerifier.create(status)
                .assertNext(code -> assertThat(code)
                        .satisfiesAnyOf(c -> assertThat(c).isBetween(400, 499), c -> assertThat(c)
                                .isEqualTo(-1)))
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        assertThat(offered()).isEqualTo(before);
        assertThat(HttpReply.call(port, "GET", "/health").status()).isIn(200, 503);
    }

    @Test
    void manyConcurrentBadRequestsAreAllRefusedAndAGoodOneStillGoesThrough() {
        long before = offered();
        HttpClient client = HttpClient.create().headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, JSON));

        StepVerifier.create(Flux.range(0, 400)
                        .flatMap(
                                i -> client.post()
                                        .uri("http://127.0.0.1:" + port + "/events/order.placed")
                                        .send(ByteBufFlux.fromString(Mono.just("{\"orderId\":" + i)))
                                        .responseSingle((response, body) -> body.asString()
                                                .defaultIfEmpty("")
                                                .map(text -> Map.entry(
                                                        response.status().code(), text))),
                                64)
                        .filter(reply ->
                                reply.getKey() != 400 || reply.getValue().contains("Exception"))
                        .count())
                .expectNext(0L)
                .expectComplete()
                .verify(Duration.ofSeconds(60));
        assertThat(offered()).isEqualTo(before);

        HttpReply good = HttpReply.call(port, "POST", "/events/order.placed", JSON, GOOD, null);
        assertThat(good.status()).isEqualTo(202);
    }
}
