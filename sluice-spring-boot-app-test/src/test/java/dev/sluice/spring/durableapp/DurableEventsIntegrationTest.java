package dev.sluice.spring.durableapp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.EventBus;
import dev.sluice.bus.SubscriberHealth;
import dev.sluice.bus.redis.RedisStreamTransport;
import dev.sluice.bus.spi.EventTransport;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * A durable type on the starter, through a real Redis and real HTTP: {@code sluice.durable.enabled=true} gives the bus
 * the Redis Streams transport; an entry published before the application started arrives because {@code
 * sluice.subscribers.ledger.start-from=oldest} (at the default, newest, it would not), one posted over HTTP lands in
 * its partition stream and reaches the listener through the consumer group; the transport's meters are on the
 * application's registry; closing the context closes the transport after the bus and releases its instance lease.
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class DurableEventsIntegrationTest {

    static final Instant AT = Instant.parse("2026-12-02T03:04:05.123456789Z");

    @Test
    void aDurableListenerReceivesThroughRedisStreamsAndTheTransportClosesWithTheContext(TestRedis redis) {
        String prefix = redis.key("sluice");
        publishBeforeTheApplicationStarts(redis, prefix, new EntryPosted("acct-0", 100, AT));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(LedgerApplication.class)
                .properties(
                        "server.port=0",
                        "spring.data.redis.host=" + redis.host(),
                        "spring.data.redis.port=" + redis.port(),
                        "sluice.dead-letters.key-prefix=" + prefix,
                        "sluice.dead-letters.journal-directory=target/sluice-journal",
                        "sluice.instance-id=ledger-test",
                        "sluice.durable.enabled=true",
                        "sluice.durable.publish-timeout=3s",
                        "sluice.subscribers.ledger.start-from=oldest",
                        "sluice.subscribers.ledger.delivery-limit=3")
                .run();
        RedisStreamTransport transport;
        String eventId;
        List<EntryPosted> booked;
        double appended;
        try {
            transport = (RedisStreamTransport) context.getBean(EventTransport.class);
            int port = ((WebServerApplicationContext) context).getWebServer().getPort();

            Map<String, String> receipt = WebClient.create("http://127.0.0.1:" + port)
                    .post()
                    .uri("/entries")
                    .bodyValue(new EntryPosted("acct-1", 250, AT))
                    .retrieve()
                    .bodyToMono(new ParameterizedTypeReference<Map<String, String>>() {})
                    .block(Duration.ofSeconds(30));
            eventId = Objects.requireNonNull(receipt).get("eventId");
            booked = context.getBean(LedgerApplication.Ledger.class)
                    .booked
                    .asFlux()
                    .take(2)
                    .collectList()
                    .block(Duration.ofSeconds(60));
            FunctionCounter counter = context.getBean(MeterRegistry.class)
                    .find("sluice.durable.appended")
                    .tag("type", "entry.posted")
                    .functionCounter();
            appended = counter == null ? -1 : counter.count();
        } finally {
            context.close();
        }

        assertThat(booked)
                .containsExactlyInAnyOrder(new EntryPosted("acct-0", 100, AT), new EntryPosted("acct-1", 250, AT));
        assertThat(appended).as("sluice.durable.appended of this instance").isEqualTo(1.0);
        RedisCommands<String, String> commands = redis.connect().sync();
        // the partition streams only: <prefix>:ev:{entry.posted:<p>}
        List<String> streams = commands.keys(prefix + ":ev:{entry.posted:*}");
        List<StreamMessage<String, String>> entries = streams.stream()
                .flatMap(s -> commands.xrange(s, Range.create("-", "+")).stream())
                .toList();
        assertThat(entries).hasSize(2);
        StreamMessage<String, String> posted = entries.stream()
                .filter(m -> eventId.equals(m.getBody().get("id")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no entry with id " + eventId + " in " + streams));
        assertThat(posted.getBody())
                .containsEntry("type", "entry.posted")
                .containsEntry("key", "acct-1")
                .containsEntry("format", "json;v=1");
        assertThat(commands.xinfoGroups(posted.getStream()).toString()).contains("ledger");
        assertThat(transport.health().status()).isEqualTo(SubscriberHealth.Status.UNHEALTHY);
        assertThat(commands.exists(prefix + ":instance:" + transport.instanceId()))
                .as("the instance lease, released on close")
                .isZero();
    }

    /** Publish on a bus of its own, before the application (and its consumer group) exists. */
    private static void publishBeforeTheApplicationStarts(TestRedis redis, String prefix, EntryPosted entry) {
        RedisStreamTransport transport =
                RedisStreamTransport.builder(redis.uri()).keyPrefix(prefix).build();
        EventBus bus = EventBus.builder().transport(transport).build();
        bus.register(LedgerApplication.POSTED);
        bus.publish(LedgerApplication.POSTED, entry).block(Duration.ofSeconds(30));
        bus.close().then(transport.close()).block(Duration.ofSeconds(30));
    }
}
