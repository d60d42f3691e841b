package dev.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.test.StepVerifier;

/** A policy guarding a real Reactor Netty HTTP call against a server on port 0 that answers 503, then 200. */
@Tag("integration")
class ResiliencePolicyHttpIntegrationTest {

    private final AtomicInteger requests = new AtomicInteger();
    private DisposableServer server;
    private HttpClient client;

    @BeforeEach
    void startServer() {
        server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .route(routes -> routes.get(
                        "/stock",
                        (request, response) -> requests.incrementAndGet() == 1
                                ? response.status(503)
                                        .header("Retry-After", "0")
                                        .send()
                                : response.sendString(Mono.just("42 in stock"))))
                .bindNow(Duration.ofSeconds(10));
        client = HttpClient.create().baseUrl("http://127.0.0.1:" + server.port());
    }

    @AfterEach
    void stopServer() {
        server.disposeNow(Duration.ofSeconds(10));
    }

    private Mono<String> getStock() {
        return client.get().uri("/stock").responseSingle((response, body) -> {
            int status = response.status().code();
            return status / 100 == 2
                    ? body.asString()
                    : body.then(Mono.error(new HttpStatusException(
                            status, retryAfter(response.responseHeaders().get("Retry-After")))));
        });
    }

    private static Duration retryAfter(String header) {
        return header == null ? null : Duration.ofSeconds(Long.parseLong(header.trim()));
    }

    @Test
    void retriesA503AndDeliversTheBodyOfTheSecondResponse() {
        ResiliencePolicy policy = ResiliencePolicy.builder("inventory")
                .timeout(Duration.ofSeconds(5))
                .retry(RetrySettings.builder()
                        .maxAttempts(3)
                        .minBackoff(Duration.ofMillis(5))
                        .maxBackoff(Duration.ofMillis(20))
                        .build())
                .circuitBreaker(CircuitBreakerConfig.custom()
                        .slidingWindowSize(10)
                        .minimumNumberOfCalls(10)
                        .build())
                .build();

        StepVerifier.create(getStock().transform(policy::apply))
                .expectNext("42 in stock")
                .expectComplete()
                .verify(Duration.ofSeconds(15));

        assertThat(requests).hasValue(2);
        assertThat(policy.counters().retries.sum()).isEqualTo(1);
        assertThat(policy.circuitBreaker().getMetrics().getNumberOfFailedCalls())
                .isEqualTo(1);
        assertThat(policy.circuitBreaker().getMetrics().getNumberOfSuccessfulCalls())
                .isEqualTo(1);
    }
}
