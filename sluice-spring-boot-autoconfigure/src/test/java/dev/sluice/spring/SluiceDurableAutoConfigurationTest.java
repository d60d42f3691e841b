package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.EventType;
import dev.sluice.bus.SubscriberHealth;
import dev.sluice.bus.redis.RedisStreamTransport;
import dev.sluice.bus.spi.EventTransport;
import dev.sluice.spring.Fixtures.Inventory;
import dev.sluice.spring.Fixtures.OrderPlaced;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code sluice.durable.*} and the transport bean, without a Redis: nothing connects until a durable type is declared,
 * so port 1 (where nothing listens) is enough for everything but delivery (the app test delivers through Redis).
 */
class SluiceDurableAutoConfigurationTest {

    static final EventType<OrderPlaced> DURABLE =
            EventType.of("order.placed", OrderPlaced.class).durable();

    final ApplicationContextRunner redisDown = new ApplicationContextRunner()
            .withConfiguration(SluiceAutoConfigurationTest.SLUICE)
            .withConfiguration(
                    AutoConfigurations.of(SluiceDurableAutoConfiguration.class, DataRedisAutoConfiguration.class))
            .withPropertyValues(
                    "spring.data.redis.port=1",
                    "sluice.dead-letters.journal-directory=target/journal-test",
                    "sluice.instance-id=durable-test");

    @Test
    void theTransportExistsOnlyWhenEnabled() {
        redisDown.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(EventTransport.class);
        });
        redisDown.withPropertyValues("sluice.durable.enabled=true").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).hasSingleBean(RedisStreamTransport.class);
        });
    }

    @Test
    void anApplicationTransportReplacesTheDefault() {
        RedisStreamTransport own =
                RedisStreamTransport.builder("redis://localhost:1").build();
        redisDown
                .withPropertyValues("sluice.durable.enabled=true")
                .withBean("myTransport", EventTransport.class, () -> own)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(EventTransport.class)).isSameAs(own);
                });
    }

    @Test
    void theLifecycleClosesTheTransportAfterTheBus() {
        redisDown.withPropertyValues("sluice.durable.enabled=true").run(context -> {
            RedisStreamTransport transport = context.getBean(RedisStreamTransport.class);
            assertThat(transport.health().status()).isNotEqualTo(SubscriberHealth.Status.UNHEALTHY);

            context.close();

            assertThat(transport.health().status()).isEqualTo(SubscriberHealth.Status.UNHEALTHY);
            assertThat(transport.health().reason()).contains("closed");
        });
    }

    @Test
    void aDurableTypeWithoutTransportFailsNamingTheProperty() {
        redisDown.withBean("orderPlaced", EventType.class, () -> DURABLE).run(context -> {
            assertThat(context).hasFailed();
            assertThat(SluiceAutoConfigurationTest.analysis(context.getStartupFailure()))
                    .contains("sluice.durable.enabled")
                    .contains("'order.placed' is durable");
        });
    }

    @Test
    void badDurableValuesFailNamingKeyAndValue() {
        redisDown
                .withPropertyValues("sluice.durable.enabled=true", "sluice.durable.key-prefix=a{b")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(SluiceAutoConfigurationTest.analysis(context.getStartupFailure()))
                            .contains("sluice.durable.key-prefix")
                            .contains("'a{b'");
                });
        redisDown
                .withPropertyValues("sluice.durable.enabled=true", "sluice.durable.heartbeat=6s")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(SluiceAutoConfigurationTest.analysis(context.getStartupFailure()))
                            .contains("sluice.durable.heartbeat")
                            .contains("'PT6S'")
                            .contains("sluice.durable.lease");
                });
        redisDown
                .withPropertyValues("sluice.durable.enabled=true", "sluice.durable.lease-margin=10s")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(SluiceAutoConfigurationTest.analysis(context.getStartupFailure()))
                            .contains("sluice.durable.lease-margin")
                            .contains("'PT10S'");
                });
    }

    @Test
    void durableSubscriberSettingsReachTheSpecBuilder() {
        redisDown
                .withPropertyValues(
                        "sluice.durable.enabled=true",
                        "sluice.subscribers.inventory.start-from=oldest",
                        "sluice.subscribers.inventory.delivery-limit=0")
                .withBean("orderPlaced", EventType.class, () -> DURABLE)
                .withBean(Inventory.class)
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(SluiceAutoConfigurationTest.analysis(context.getStartupFailure()))
                            .contains("sluice.subscribers.inventory.delivery-limit")
                            .contains("'0'");
                });
        redisDown
                .withPropertyValues("sluice.subscribers.inventory.start-from=oldest")
                .withBean(Inventory.class)
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(SluiceAutoConfigurationTest.analysis(context.getStartupFailure()))
                            .contains("sluice.subscribers.inventory")
                            .contains("durable types only");
                });
    }

    @Test
    void defaultsAreTheTransportsOwn() {
        SluiceProperties.Durable d = new Binder(new MapConfigurationPropertySource(Map.of()))
                .bindOrCreate(SluiceProperties.PREFIX, SluiceProperties.class)
                .durable();

        assertThat(d.enabled()).isFalse();
        assertThat(d.instanceId()).isNull();
        assertThat(d.keyPrefix()).isNull();
        assertThat(d.commandTimeout()).isEqualTo(RedisStreamTransport.DEFAULT_COMMAND_TIMEOUT);
        assertThat(d.requestQueueSize()).isEqualTo(RedisStreamTransport.DEFAULT_REQUEST_QUEUE_SIZE);
        assertThat(d.publishTimeout()).isEqualTo(RedisStreamTransport.DEFAULT_PUBLISH_TIMEOUT);
        assertThat(d.publishFirstBackoff()).isEqualTo(RedisStreamTransport.DEFAULT_FIRST_BACKOFF);
        assertThat(d.publishMaxBackoff()).isEqualTo(RedisStreamTransport.DEFAULT_MAX_BACKOFF);
        assertThat(d.appendConcurrency()).isEqualTo(RedisStreamTransport.DEFAULT_APPEND_CONCURRENCY);
        assertThat(d.lease()).isEqualTo(RedisStreamTransport.DEFAULT_LEASE_TTL);
        assertThat(d.heartbeat()).isEqualTo(RedisStreamTransport.DEFAULT_HEARTBEAT);
        assertThat(d.leaseMargin()).isEqualTo(RedisStreamTransport.DEFAULT_SAFETY_MARGIN);
        assertThat(d.block()).isEqualTo(RedisStreamTransport.DEFAULT_BLOCK);
        assertThat(d.maxLag()).isEqualTo(RedisStreamTransport.DEFAULT_MAX_LAG);
        assertThat(d.maxPendingAge()).isEqualTo(RedisStreamTransport.DEFAULT_MAX_PENDING_AGE);
        assertThat(d.retentionInterval()).isEqualTo(RedisStreamTransport.DEFAULT_RETENTION_INTERVAL);
        assertThat(d.maxLength()).isEqualTo(RedisStreamTransport.DEFAULT_MAX_LENGTH);
    }
}
