package dev.sluice.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.util.retry.Retry;

/**
 * The multi-process scenario's HTTP client to its demo instances: publishes orders through them round robin ({@code
 * POST /events/order.placed}), one key's orders one after another (order {@code n + 1} of a key is sent once order
 * {@code n} was accepted, so a key's sequence numbers are its stream order), and reads their {@code /status.json}. A
 * publish that fails (connection refused, {@code 503} of an instance stopping) is sent again through the next live
 * instance, at most {@value #PUBLISH_ATTEMPTS} times in all. Thread-safe; the reactive methods never block.
 */
final class ClusterClient implements AutoCloseable {

    /** Keys the orders are spread over: {@code o-0} to {@code o-31}, each holding every 32nd order. */
    static final int KEYS = 32;
    /** Attempts of one publish, over the live instances. */
    static final int PUBLISH_ATTEMPTS = 5;

    private static final Logger log = LoggerFactory.getLogger(ClusterClient.class);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final int SKUS = 20;
    /** One order in this many goes to a mailbox that never accepts mail: its {@code email} letter stays. */
    private static final int HOPELESS_EVERY = 100;

    /** An order the scenario published and an instance accepted ({@code 202}). */
    record Published(int index, String key, int seq, String eventId, String via, Instant publishedAt) {}

    /** An instance in the rotation and its publishes in flight. */
    private record Target(String name, String baseUrl, AtomicInteger inFlight) {}

    private final ConnectionProvider pool = ConnectionProvider.builder("sluice-cluster-scenario")
            .maxConnections(128)
            .pendingAcquireMaxCount(100_000)
            .build();
    private final HttpClient http = HttpClient.create(pool).responseTimeout(CALL_TIMEOUT);
    private final CopyOnWriteArrayList<Target> live = new CopyOnWriteArrayList<>();
    private final AtomicInteger turn = new AtomicInteger();
    private final AtomicLong failedAttempts = new AtomicLong();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

    /** Put instance {@code name} at {@code baseUrl} into the rotation. */
    void add(String name, String baseUrl) {
        live.add(new Target(name, baseUrl, new AtomicInteger()));
    }

    /**
     * Take instance {@code name} out of the rotation and wait (blocking the caller, the scenario's thread) until its
     * publishes in flight have been answered, at most {@code timeout}, so that killing it next cuts no publish.
     *
     * @return the publishes still in flight when the wait ended (0 unless it timed out)
     */
    int withdraw(String name, Duration timeout) {
        Target target = live.stream()
                .filter(t -> t.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no instance " + name + " in the rotation"));
        live.remove(target);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (target.inFlight().get() > 0 && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
        return target.inFlight().get();
    }

    /**
     * Publish orders {@code 0 … events - 1} at about {@code rate} per second: order {@code i} has key {@code o-<i mod
     * 32>} and sequence number {@code i / 32}; every 100th goes to {@code @bounce.example}.
     *
     * @return a {@code Flux} of the accepted orders, in no particular order; completes when every order was accepted
     *     or given up (see {@link #failures()}); never errors. The pace is kept on a scheduler of its own.
     */
    Flux<Published> publish(int events, int rate) {
        return Flux.defer(() -> {
            Scheduler generator = Schedulers.newSingle("cluster-scenario-publisher");
            long start = System.nanoTime();
            AtomicInteger next = new AtomicInteger();
            return Flux.interval(Duration.ZERO, Duration.ofMillis(10), generator)
                    .onBackpressureDrop()
                    .concatMap(
                            tick -> {
                                long due = Math.min(events, (System.nanoTime() - start) * rate / 1_000_000_000L + 1);
                                int from = next.get();
                                next.set((int) Math.max(from, due));
                                return Flux.range(from, next.get() - from);
                            },
                            1)
                    .take(events)
                    .groupBy(i -> i % KEYS, KEYS)
                    .flatMap(key -> key.concatMap(i -> publish(i, "o-" + (i % KEYS), i / KEYS, order(i))), KEYS)
                    .doFinally(signal -> generator.dispose());
        });
    }

    /**
     * Publish {@code count} warm-up orders (keys {@code warm-up-<i>}) through the instances, {@code 4} at a time, so
     * each instance's first calls (class loading, JIT, connections) are not the measured orders'.
     *
     * @return a {@code Flux} of the accepted ones; never errors
     */
    Flux<Published> warmUp(int count) {
        return Flux.range(0, count)
                .flatMap(
                        i -> publish(
                                i,
                                "warm-up-" + i,
                                0,
                                new Order("warm-up-" + i, "warm-up" + i + "@example.com", "SKU-" + (i % SKUS), 1)),
                        4);
    }

    /** Return what could not be published, one line per order. */
    List<String> failures() {
        return List.copyOf(failures);
    }

    /** Return the publish attempts that failed and were sent again (or given up). */
    long failedAttempts() {
        return failedAttempts.get();
    }

    /**
     * GET {@code path} of the instance at {@code baseUrl}.
     *
     * @return a {@code Mono} of the JSON body; errors with {@link IllegalStateException} for a non-2xx answer or a
     *     body that is no JSON, or the client's error
     */
    Mono<JsonNode> getJson(String baseUrl, String path) {
        return http.get().uri(baseUrl + path).responseSingle((response, body) -> body.asString()
                .defaultIfEmpty("")
                .handle((text, sink) -> {
                    int status = response.status().code();
                    if (status < 200 || status >= 300) {
                        sink.error(new IllegalStateException("GET " + baseUrl + path + " answered " + status));
                        return;
                    }
                    try {
                        sink.next(Json.MAPPER.readTree(text));
                    } catch (JsonProcessingException e) {
                        sink.error(new IllegalStateException("GET " + baseUrl + path + " answered no JSON", e));
                    }
                }));
    }

    static Order order(int i) {
        String email = i % HOPELESS_EVERY == 7 ? "c" + i + Downstream.HOPELESS_DOMAIN : "c" + i + "@example.com";
        return new Order("o-" + (i % KEYS), email, "SKU-" + (i % SKUS), 1 + i % 5);
    }

    private Mono<Published> publish(int index, String key, int seq, Order order) {
        String json = Json.MAPPER.valueToTree(order).toString();
        return Mono.defer(() -> attempt(index, key, seq, json))
                .doOnError(e -> failedAttempts.incrementAndGet())
                .retryWhen(Retry.backoff(PUBLISH_ATTEMPTS - 1, Duration.ofMillis(100))
                        .maxBackoff(Duration.ofSeconds(1)))
                .onErrorResume(e -> {
                    failures.add("order " + index + " (key " + key + "): " + e.getMessage());
                    log.warn("Could not publish order {} after {} attempts", index, PUBLISH_ATTEMPTS, e);
                    return Mono.empty();
                });
    }

    private Mono<Published> attempt(int index, String key, int seq, String json) {
        List<Target> targets = List.copyOf(live);
        if (targets.isEmpty()) {
            return Mono.error(new IllegalStateException("no demo instance is in the rotation"));
        }
        Target target = targets.get(Math.floorMod(turn.getAndIncrement(), targets.size()));
        target.inFlight().incrementAndGet();
        Instant sent = Instant.now();
        return http.headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, "application/json"))
                .post()
                .uri(target.baseUrl() + "/events/order.placed")
                .send(ByteBufMono.fromString(Mono.just(json)))
                .responseSingle(
                        (response, body) -> body.asString().defaultIfEmpty("").<Published>handle((text, sink) -> {
                            int status = response.status().code();
                            if (status != 202) {
                                sink.error(new IllegalStateException(
                                        target.name() + " answered " + status + " to order " + index + ": " + text));
                                return;
                            }
                            try {
                                String id =
                                        Json.MAPPER.readTree(text).path("id").asText();
                                sink.next(new Published(index, key, seq, id, target.name(), sent));
                            } catch (JsonProcessingException e) {
                                sink.error(new IllegalStateException(
                                        target.name() + " answered no JSON to order " + index, e));
                            }
                        }))
                .doFinally(signal -> target.inFlight().decrementAndGet());
    }

    @Override
    public void close() {
        pool.disposeLater().block(Duration.ofSeconds(5)); // on the scenario's thread (main or a test)
    }
}
