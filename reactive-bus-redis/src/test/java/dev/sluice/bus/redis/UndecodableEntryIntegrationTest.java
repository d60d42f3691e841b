package dev.sluice.bus.redis;

import static dev.sluice.bus.redis.TransportFixture.WAIT;
import static dev.sluice.bus.redis.TransportFixture.builder;
import static dev.sluice.bus.redis.TransportFixture.close;
import static dev.sluice.bus.redis.TransportFixture.declared;
import static dev.sluice.bus.redis.TransportFixture.event;
import static dev.sluice.bus.redis.TransportFixture.type;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterQuery;
import dev.sluice.bus.DeadLetterReason;
import dev.sluice.bus.Durability;
import dev.sluice.bus.Event;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.bus.StartPosition;
import dev.sluice.bus.SubscriberHandle;
import dev.sluice.bus.SubscriberSpec;
import dev.sluice.bus.redis.TransportFixture.Placed;
import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.Range;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * A durable entry whose payload the subscriber's type no longer reads (a rolling upgrade gone wrong) becomes a
 * {@code DESERIALIZATION_FAILED} letter whose payload is the entry's JSON as it was, not a quoted string: once the
 * type reads it again, the letter decodes to the event that was published.
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class UndecodableEntryIntegrationTest {

    /** The upgraded payload type: {@code order} was a string ("o-1"), it is read as a number now. */
    record Renumbered(long order) {}

    @TempDir
    Path journalDir;

    @Test
    void anEntryTheTypeNoLongerReadsIsALetterWithTheEntrysJsonThatDecodesOnceTheTypeReadsItAgain(TestRedis redis) {
        EventType<Placed> published = type("order.renumbered", 4);
        RedisStreamTransport transport = declared(builder(redis, redis.uri()), published);
        RedisDeadLetterStore store = StoreFixture.store(redis, journalDir);
        EventBus bus =
                EventBus.builder().transport(transport).deadLetterStore(store).build();
        try {
            List<Event<Placed>> events = List.of(event(published, "k-1", 1), event(published, "k-2", 2));
            StepVerifier.create(transport.appendAll(Flux.fromIterable(events)))
                    .expectNextCount(events.size())
                    .expectComplete()
                    .verify(WAIT);
            EventType<Renumbered> read =
                    EventType.of("order.renumbered", Renumbered.class).durable(new Durability(4, 1));
            List<Renumbered> handled = new CopyOnWriteArrayList<>();
            SubscriberHandle billing = bus.subscribe(
                    SubscriberSpec.builder("billing", read, e -> Mono.fromRunnable(() -> handled.add(e.payload())))
                            .policy(ResiliencePolicy.builder("billing")
                                    .timeout(Duration.ofSeconds(1))
                                    .build())
                            .startFrom(StartPosition.OLDEST)
                            .build());

            StoreFixture.awaitTrue(
                    "both entries dead-lettered", () -> billing.stats().deadLettered() == 2, WAIT);

            assertThat(handled).isEmpty();
            List<DeadLetter> letters =
                    store.list(DeadLetterQuery.of("billing")).collectList().block(WAIT);
            assertThat(letters)
                    .extracting(DeadLetter::reason)
                    .containsOnly(DeadLetterReason.DESERIALIZATION_FAILED)
                    .hasSize(2);
            Map<String, Placed> decoded = letters.stream()
                    .collect(
                            Collectors.toMap(DeadLetter::eventId, letter -> store.decodePayload(letter, Placed.class)));
            assertThat(decoded)
                    .as("the letters decode to what was published")
                    .isEqualTo(events.stream().collect(Collectors.toMap(Event::id, Event::payload)));
            Map<String, String> stored = redis
                    .connect()
                    .sync()
                    .xrange(redis.keyPrefix() + "sluice:dlq:{billing}", Range.create("-", "+"))
                    .stream()
                    .collect(Collectors.toMap(entry -> entry.getBody().get("event_id"), entry -> entry.getBody()
                            .get("payload")));
            assertThat(stored.values())
                    .as("a JSON object, not a JSON string holding one")
                    .allSatisfy(payload -> assertThat(payload).startsWith("{\"order\":\"o-"));
            assertThat(stored.keySet())
                    .containsExactlyInAnyOrderElementsOf(
                            events.stream().map(Event::id).toList());
        } finally {
            StepVerifier.create(bus.close()).expectComplete().verify(WAIT);
            close(transport);
            StepVerifier.create(store.closeGracefully()).expectComplete().verify(WAIT);
        }
    }
}
