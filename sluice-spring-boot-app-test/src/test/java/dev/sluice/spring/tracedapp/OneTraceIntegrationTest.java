package dev.sluice.spring.tracedapp;

import static org.assertj.core.api.Assertions.assertThat;

import brave.Span;
import brave.handler.MutableSpan;
import dev.sluice.spring.tracedapp.TracedShopApplication.Spans;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.micrometer.tracing.test.autoconfigure.AutoConfigureTracing;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.test.StepVerifier;

/**
 * Issue 16, "Tests": one trace from a WebFlux request through the bus to the handler's {@code WebClient} call, with
 * Brave through Boot's tracing auto-configuration and the starter giving the bus Boot's {@code ObservationRegistry}:
 * {@code http.server.requests} → {@code publish payment.requested} → {@code process payment.requested} → the
 * client's {@code http post}, each the parent of the next, and the gateway receives the trace in {@code
 * traceparent}.
 */
@Tag("integration")
@SpringBootTest(
        classes = TracedShopApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"sluice.dead-letters.store=in-memory", "management.tracing.sampling.probability=1.0"})
@AutoConfigureTracing
@AutoConfigureWebTestClient
class OneTraceIntegrationTest {

    private static final Queue<String> TRACEPARENTS = new ConcurrentLinkedQueue<>();
    private static DisposableServer gateway;

    @Autowired
    WebTestClient web;

    @Autowired
    Spans spans;

    @BeforeAll
    static void startGateway() {
        gateway = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .route(routes -> routes.post("/charge/{id}", (request, response) -> {
                    TRACEPARENTS.add(String.valueOf(request.requestHeaders().get("traceparent")));
                    return response.status(200).send();
                }))
                .bindNow(Duration.ofSeconds(10));
    }

    @AfterAll
    static void stopGateway() {
        gateway.disposeNow(Duration.ofSeconds(5));
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("shop.gateway-url", () -> "http://127.0.0.1:" + gateway.port());
    }

    @Test
    void aRequestThePublishItsProcessingAndTheHandlersClientCallAreOneTrace() {
        web.post().uri("/payments/p-1").exchange().expectStatus().isAccepted();

        StepVerifier.create(Flux.interval(Duration.ZERO, Duration.ofMillis(20))
                        .filter(tick -> client() != null)
                        .next())
                .as("the client span of the handler's call")
                .expectNextCount(1)
                .expectComplete()
                .verify(Duration.ofSeconds(30));

        MutableSpan server = only(span -> span.kind() == Span.Kind.SERVER, "server");
        MutableSpan publish = only(span -> "publish payment.requested".equals(span.name()), "publish");
        MutableSpan process = only(span -> "process payment.requested".equals(span.name()), "process");
        assertThat(publish.kind()).isEqualTo(Span.Kind.PRODUCER);
        assertThat(process.kind()).isEqualTo(Span.Kind.CONSUMER);
        MutableSpan client = Mono.justOrEmpty(client()).block(Duration.ofSeconds(1));
        assertThat(client).isNotNull();
        assertThat(List.of(publish, process, client))
                .allSatisfy(span -> assertThat(span.traceId()).isEqualTo(server.traceId()));
        assertThat(publish.parentId()).isEqualTo(server.id());
        assertThat(process.parentId()).isEqualTo(publish.id());
        assertThat(client.parentId()).isEqualTo(process.id());
        assertThat(process.tags())
                .containsEntry("messaging.system", "sluice")
                .containsEntry("messaging.consumer.group.name", "charger");
        assertThat(TRACEPARENTS).singleElement().satisfies(header -> assertThat(header)
                .startsWith("00-" + server.traceId() + "-" + client.id() + "-"));
    }

    private @Nullable MutableSpan client() {
        return spans.finished.stream()
                .filter(span -> span.kind() == Span.Kind.CLIENT)
                .findFirst()
                .orElse(null);
    }

    private MutableSpan only(Predicate<MutableSpan> which, String what) {
        List<MutableSpan> found = spans.finished.stream().filter(which).toList();
        assertThat(found).as("the %s span among %s", what, spans.finished).hasSize(1);
        return found.get(0);
    }
}
