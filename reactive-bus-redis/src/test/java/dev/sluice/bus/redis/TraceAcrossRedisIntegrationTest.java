package dev.sluice.bus.redis;

import static dev.sluice.bus.redis.StoreFixture.awaitTrue;
import static dev.sluice.bus.redis.TracingFixture.traceparent;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterQuery;
import dev.sluice.bus.Event;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.bus.RedriveResult;
import dev.sluice.bus.StartPosition;
import dev.sluice.bus.SubscriberSpec;
import dev.sluice.bus.redis.TestLetters.Order;
import dev.sluice.bus.redis.TransportFixture.Placed;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Issue 16, "Tests", over a real Redis with micrometer-tracing's OpenTelemetry bridge and W3C propagation: the trace of
 * a dead letter read back from Redis (its creation's {@code traceparent} and the {@code failed_traceparent} it failed
 * under), a redrive linked to that trace and replacing the failed one; and a durable event's trace across two
 * instances, published on one and handled on the other, continued through the {@code traceparent} entry header.
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class TraceAcrossRedisIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final EventType<Order> PLACED = EventType.of("order.placed", Order.class);

    @TempDir
    Path journalDir;

    private TestRedis redis;
    private final TracingFixture tracing = new TracingFixture();
    private final List<EventBus> buses = new ArrayList<>();
    private final List<RedisDeadLetterStore> stores = new ArrayList<>();
    private final List<RedisStreamTransport> transports = new ArrayList<>();

    @BeforeEach
    void start(TestRedis redis) {
        this.redis = redis;
    }

    @AfterEach
    void stop() {
        for (EventBus bus : buses) {
            StepVerifier.create(bus.close(Duration.ofSeconds(5)))
                    .expectComplete()
                    .verify(WAIT);
        }
        transports.forEach(TransportFixture::close);
        for (RedisDeadLetterStore store : stores) {
            StepVerifier.create(store.closeGracefully()).expectComplete().verify(WAIT);
        }
        tracing.close();
    }

    @Test
    void aLetterReadBackFromRedisKeepsBothTraceparentsAndARedriveIsLinkedAndReplacesTheFailedOne() {
        RedisDeadLetterStore store = store("bus");
        EventBus bus = EventBus.builder()
                .deadLetterStore(store)
                .observationRegistry(tracing.registry())
                .build();
        buses.add(bus);
        bus.subscribe(SubscriberSpec.builder(
                        "billing", PLACED, e -> Mono.error(new IllegalStateException("declined " + e.id())))
                .build());
        // another store on the same keys: what it lists came from Redis, not from the writing store's memory
        RedisDeadLetterStore reader = store("reader");

        StepVerifier.create(bus.publish(PLACED, new Order("o-1", 1, "")))
                .expectNextCount(1)
                .verifyComplete();
        StepVerifier.create(bus.whenIdle()).expectComplete().verify(WAIT);
        awaitTrue("the letter in Redis", () -> store.pending() == 0, WAIT);

        SpanData publish = only("publish order.placed");
        SpanData failed = only("send order.placed");
        assertThat(readBack(reader).headers())
                .containsEntry("traceparent", traceparent(publish))
                .containsEntry("failed_traceparent", traceparent(failed));

        StepVerifier.create(bus.redrive(DeadLetterQuery.of("billing")))
                .assertNext(result -> assertThat(result.status()).isEqualTo(RedriveResult.Status.FAILED))
                .expectComplete()
                .verify(WAIT);
        awaitTrue("the redriven letter in Redis", () -> store.pending() == 0, WAIT);

        List<SpanData> processes = tracing.named("process order.placed");
        assertThat(processes).hasSize(2);
        SpanData redrive = processes.get(1);
        assertThat(redrive.getTraceId()).isNotEqualTo(publish.getTraceId());
        assertThat(redrive.getLinks()).singleElement().satisfies(link -> {
            assertThat(link.getSpanContext().getTraceId()).isEqualTo(publish.getTraceId());
            assertThat(link.getSpanContext().getSpanId()).isEqualTo(publish.getSpanId());
        });
        SpanData failedAgain = tracing.named("send order.placed").get(1);
        assertThat(failedAgain.getParentSpanId()).isEqualTo(redrive.getSpanId());
        DeadLetter again = readBack(reader);
        assertThat(again.redriveCount()).isEqualTo(1);
        assertThat(again.headers())
                .containsEntry("traceparent", traceparent(publish))
                .containsEntry("failed_traceparent", traceparent(failedAgain))
                .hasSize(2); // replaced, never a second entry (spring-kafka#3786)
    }

    @Test
    void aDurableEventPublishedOnOneInstanceAndHandledOnAnotherIsOneTrace() {
        EventType<Placed> type = TransportFixture.type("order.durable", 2);
        EventBus publisher = durableBus("a");
        publisher.register(type);
        EventBus handler = durableBus("b");
        List<Event<Placed>> handled = new CopyOnWriteArrayList<>();
        handler.subscribe(SubscriberSpec.builder("billing", type, e -> Mono.fromRunnable(() -> handled.add(e)))
                .startFrom(StartPosition.OLDEST)
                .build());
        ObservationRegistry requests = tracing.registry();
        Observation request = Observation.start("http.server.requests", requests);

        StepVerifier.create(publisher
                        .publish(type, new Placed("o-1", 1, Instant.parse("2026-03-01T12:00:00Z")))
                        .contextWrite(context -> context.put(ObservationThreadLocalAccessor.KEY, request)))
                .expectNextCount(1)
                .expectComplete()
                .verify(WAIT);
        request.stop();
        awaitTrue("handled on b", () -> tracing.named("process order.durable").size() == 1, WAIT);

        SpanData server = only("http.server.requests");
        SpanData publish = only("publish order.durable");
        SpanData process = only("process order.durable");
        assertThat(publish.getTraceId()).isEqualTo(server.getTraceId());
        assertThat(publish.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(process.getTraceId()).isEqualTo(server.getTraceId());
        assertThat(process.getParentSpanId()).isEqualTo(publish.getSpanId());
        assertThat(handled).singleElement().satisfies(e -> assertThat(e.headers())
                .containsEntry("traceparent", traceparent(publish)));
    }

    /** A bus of instance {@code instance}, on a transport of its own (a consumer member of its own) and a registry. */
    private EventBus durableBus(String instance) {
        RedisStreamTransport transport = TransportFixture.builder(redis, redis.uri())
                .instanceId(instance)
                .build();
        transports.add(transport);
        EventBus bus = EventBus.builder()
                .transport(transport)
                .deadLetterStore(store(instance))
                .instance(instance)
                .observationRegistry(tracing.registry())
                .build();
        buses.add(bus);
        return bus;
    }

    private RedisDeadLetterStore store(String name) {
        RedisDeadLetterStore store = StoreFixture.builder(redis, redis.uri(), journalDir.resolve(name))
                .build();
        stores.add(store);
        return store;
    }

    private static DeadLetter readBack(RedisDeadLetterStore reader) {
        List<DeadLetter> letters =
                reader.list(DeadLetterQuery.of("billing")).collectList().block(WAIT);
        assertThat(letters).hasSize(1);
        return letters.get(0);
    }

    private SpanData only(String name) {
        List<SpanData> found = tracing.named(name);
        assertThat(found).as("spans named %s", name).hasSize(1);
        return found.get(0);
    }
}
