package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.sluice.bus.BusMetrics;
import dev.sluice.bus.DeadLetterStore;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.bus.InMemoryDeadLetterStore;
import dev.sluice.bus.SubscriberSpec;
import dev.sluice.bus.redis.RedisDeadLetterStore;
import dev.sluice.policy.PolicyMetrics;
import dev.sluice.policy.PolicyRegistry;
import dev.sluice.spring.Fixtures.Audit;
import dev.sluice.spring.Fixtures.Inventory;
import dev.sluice.spring.Fixtures.OrderPlaced;
import dev.sluice.spring.actuate.SluiceEndpoint;
import dev.sluice.spring.actuate.SluiceEndpointAutoConfiguration;
import dev.sluice.spring.actuate.SluiceHealthAutoConfiguration;
import dev.sluice.spring.actuate.SluiceHealthContributor;
import dev.sluice.spring.actuate.SluiceMetricsAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.health.contributor.ReactiveHealthContributor;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import reactor.core.publisher.Mono;

class SluiceAutoConfigurationTest {

    static final AutoConfigurations SLUICE = AutoConfigurations.of(
            SluiceRedisAutoConfiguration.class,
            SluiceAutoConfiguration.class,
            SluiceMetricsAutoConfiguration.class,
            SluiceHealthAutoConfiguration.class,
            SluiceEndpointAutoConfiguration.class);

    final ApplicationContextRunner inMemory = new ApplicationContextRunner()
            .withConfiguration(SLUICE)
            .withConfiguration(
                    AutoConfigurations.of(MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
            .withPropertyValues(
                    "sluice.dead-letters.store=in-memory", "management.endpoints.web.exposure.include=sluice");

    @Test
    void listenersReceiveEventsOnTheAutoConfiguredBus() {
        inMemory.withBean(Inventory.class).withBean(Audit.class).run(context -> {
            assertThat(context).hasNotFailed();
            EventBus bus = context.getBean(EventBus.class);
            EventType<OrderPlaced> type = EventType.of("order.placed", OrderPlaced.class);

            bus.publish(type, new OrderPlaced("o-1", Instant.parse("2026-01-01T00:00:00Z")))
                    .block(Duration.ofSeconds(5));
            bus.whenIdle().block(Duration.ofSeconds(5));

            assertThat(context.getBean(Inventory.class).seen)
                    .extracting(OrderPlaced::id)
                    .containsExactly("o-1");
            assertThat(context.getBean(Audit.class).ids).containsExactly("o-1");
            assertThat(context.getBean(SluiceLifecycle.class).subscribers())
                    .extracting(SluiceSubscriber::name)
                    .containsExactly("audit", "inventory");
        });
    }

    @Test
    void theApplicationsObservationRegistryObservesPublishAndProcess() {
        List<String> observed = new CopyOnWriteArrayList<>();
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onStop(Observation.Context context) {
                observed.add(context.getName());
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
        inMemory.withBean(Inventory.class)
                .withBean(ObservationRegistry.class, () -> registry)
                .run(context -> {
                    EventBus bus = context.getBean(EventBus.class);
                    EventType<OrderPlaced> type = EventType.of("order.placed", OrderPlaced.class);

                    bus.publish(type, new OrderPlaced("o-1", Instant.parse("2026-01-01T00:00:00Z")))
                            .block(Duration.ofSeconds(5));
                    bus.whenIdle().block(Duration.ofSeconds(5));

                    assertThat(observed).contains("sluice.publish", "sluice.process");
                });
    }

    @Test
    void subscriberPropertiesAndPoliciesApplyToTheListener() {
        inMemory.withBean(Inventory.class)
                .withPropertyValues(
                        "sluice.policies.fragile.timeout=300ms",
                        "sluice.policies.fragile.retry.max-attempts=2",
                        "sluice.subscribers.inventory.policy=fragile",
                        "sluice.subscribers.inventory.concurrency=4")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    SluiceSubscriber inventory = context.getBean(SluiceLifecycle.class)
                            .subscriber("inventory")
                            .orElseThrow();

                    assertThat(inventory.policy().name()).isEqualTo("fragile");
                    assertThat(inventory.policy().timeout()).isEqualTo(Duration.ofMillis(300));
                });
    }

    @Test
    void eventTypeAndSubscriberSpecBeansArePickedUp() {
        EventType<OrderPlaced> keyed =
                EventType.of("order.placed", OrderPlaced.class).withKey(OrderPlaced::id);
        inMemory.withBean(Inventory.class)
                .withBean("orderPlaced", EventType.class, () -> keyed)
                .withBean("shipping", SubscriberSpec.class, () -> SubscriberSpec.builder(
                                "shipping", keyed, e -> Mono.empty())
                        .build())
                .run(context -> {
                    assertThat(context).hasNotFailed();

                    assertThat(context.getBean(SluiceLifecycle.class).subscribers())
                            .extracting(SluiceSubscriber::name)
                            .containsExactly("inventory", "shipping");
                });
    }

    @Test
    void redisStoreIsTheDefaultAndTheAppStartsWhileRedisIsDown() {
        new ApplicationContextRunner()
                .withConfiguration(SLUICE)
                .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
                // nothing listens on port 1: Redis is down
                .withPropertyValues(
                        "spring.data.redis.port=1",
                        "sluice.dead-letters.journal-directory=target/journal-test",
                        "sluice.instance-id=down-test")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).hasSingleBean(RedisDeadLetterStore.class);
                    assertThat(context.getBean(DeadLetterStore.class).health().status())
                            .isNotEqualTo(DeadLetterStore.StoreHealth.Status.DOWN);
                });
    }

    @Test
    void withoutRedisOnTheClassPathTheDefaultStoreFailsNamingTheProperty() {
        new ApplicationContextRunner()
                .withConfiguration(SLUICE)
                .withClassLoader(new FilteredClassLoader(RedisDeadLetterStore.class))
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(analysis(context.getStartupFailure()))
                            .contains("sluice.dead-letters.store")
                            .contains("in-memory");
                });
    }

    @Test
    void withoutRedisOnTheClassPathTheInMemoryStoreWorks() {
        inMemory.withClassLoader(new FilteredClassLoader("io.lettuce", "dev.sluice.bus.redis"))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(DeadLetterStore.class)).isInstanceOf(InMemoryDeadLetterStore.class);
                });
    }

    @Test
    void withoutActuatorThereIsNoHealthEndpointOrMetrics() {
        inMemory.withClassLoader(
                        new FilteredClassLoader(Endpoint.class, ReactiveHealthContributor.class, MeterRegistry.class))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).hasSingleBean(EventBus.class);
                    assertThat(context).doesNotHaveBean(SluiceHealthContributor.class);
                    assertThat(context).doesNotHaveBean(SluiceEndpoint.class);
                    assertThat(context).doesNotHaveBean(BusMetrics.class);
                });
    }

    @Test
    void withActuatorThereAreHealthEndpointAndMetrics() {
        inMemory.run(context -> {
            assertThat(context).hasSingleBean(SluiceHealthContributor.class);
            assertThat(context).hasSingleBean(SluiceEndpoint.class);
            assertThat(context).hasSingleBean(BusMetrics.class);
            assertThat(context).hasSingleBean(PolicyMetrics.class);
        });
    }

    @Test
    void userBeansReplaceEveryDefault() {
        PolicyRegistry registry = PolicyRegistry.create();
        DeadLetterStore store = InMemoryDeadLetterStore.create();
        EventBus bus = EventBus.builder().deadLetterStore(store).build();
        BusMetrics busMetrics = BusMetrics.of(bus);
        PolicyMetrics policyMetrics = PolicyMetrics.of(registry);
        new ApplicationContextRunner()
                .withConfiguration(SLUICE)
                .withConfiguration(AutoConfigurations.of(
                        MetricsAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
                .withPropertyValues("management.endpoints.web.exposure.include=sluice")
                .withBean(PolicyRegistry.class, () -> registry)
                .withBean(DeadLetterStore.class, () -> store)
                .withBean(EventBus.class, () -> bus)
                .withBean(BusMetrics.class, () -> busMetrics)
                .withBean(PolicyMetrics.class, () -> policyMetrics)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(PolicyRegistry.class)).isSameAs(registry);
                    assertThat(context.getBean(DeadLetterStore.class)).isSameAs(store);
                    assertThat(context.getBean(EventBus.class)).isSameAs(bus);
                    assertThat(context.getBean(BusMetrics.class)).isSameAs(busMetrics);
                    assertThat(context.getBean(PolicyMetrics.class)).isSameAs(policyMetrics);
                    assertThat(context).doesNotHaveBean(RedisDeadLetterStore.class);
                });
    }

    @Test
    void userBeansReplaceTheLifecycleHealthEndpointAndMapper() {
        inMemory.withBean(
                        "sluiceHealthContributor",
                        SluiceHealthContributor.class,
                        () -> new SluiceHealthContributor(
                                new SluiceLifecycle(
                                        EventBus.builder().build(),
                                        java.util.List::of,
                                        java.util.List.of(),
                                        Duration.ofSeconds(1),
                                        null),
                                InMemoryDeadLetterStore.create(),
                                true))
                .withBean(
                        SluiceRedisAutoConfiguration.MAPPER_BEAN,
                        com.fasterxml.jackson.databind.ObjectMapper.class,
                        com.fasterxml.jackson.databind.ObjectMapper::new)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).hasSingleBean(SluiceHealthContributor.class);
                });
    }

    @Test
    void badPolicyValueFailsNamingKeyAndValue() {
        inMemory.withPropertyValues("sluice.policies.inventory.retry.max-attempts=0")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(analysis(context.getStartupFailure()))
                            .contains("sluice.policies.inventory.retry.max-attempts")
                            .contains("'0'");
                });
    }

    @Test
    void subscriberSettingsWithoutListenerFailNamingTheSubscriber() {
        inMemory.withBean(Inventory.class)
                .withPropertyValues("sluice.subscribers.invntory.concurrency=2")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(analysis(context.getStartupFailure()))
                            .contains("sluice.subscribers.invntory")
                            .contains("matches no @SluiceListener");
                });
    }

    @Test
    void unknownPolicyNameFailsNamingTheKey() {
        inMemory.withBean(Inventory.class)
                .withPropertyValues("sluice.subscribers.inventory.policy=missing")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(analysis(context.getStartupFailure()))
                            .contains("sluice.subscribers.inventory.policy")
                            .contains("'missing'");
                });
    }

    @Test
    void badSubscriberValueFailsNamingKeyAndValue() {
        inMemory.withBean(Inventory.class)
                .withPropertyValues("sluice.subscribers.inventory.inbox-size=0")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(analysis(context.getStartupFailure()))
                            .contains("sluice.subscribers.inventory.inbox-size")
                            .contains("'0'");
                });
    }

    @Test
    void wrongListenerSignaturesFailNamingTheMethod() {
        inMemory.withBean(Fixtures.ReturnsString.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(analysis(context.getStartupFailure()))
                    .contains("Fixtures$ReturnsString#handle(OrderPlaced)")
                    .contains("returns java.lang.String");
        });
        inMemory.withBean(Fixtures.TwoParameters.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(analysis(context.getStartupFailure()))
                    .contains("Fixtures$TwoParameters#handle(OrderPlaced, String)")
                    .contains("takes 2 parameters");
        });
    }

    @Test
    void metersCoverSubscribersAndPoliciesAddedAfterStartup() {
        inMemory.withBean(Inventory.class).run(context -> {
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            EventBus bus = context.getBean(EventBus.class);
            PolicyRegistry registry = context.getBean(PolicyRegistry.class);

            registry.register("later", b -> b.timeout(Duration.ofSeconds(1)));
            bus.subscribe(
                    SubscriberSpec.builder("late", EventType.of("order.placed", OrderPlaced.class), e -> Mono.empty())
                            .build());

            assertThat(meters.find("sluice.inbox.size")
                            .tag("subscriber", "inventory")
                            .gauge())
                    .isNotNull();
            assertThat(meters.find("sluice.inbox.size")
                            .tag("subscriber", "late")
                            .gauge())
                    .isNotNull();
            assertThat(meters.find("sluice.policy.calls").tag("policy", "later").functionCounter())
                    .isNotNull();
        });
    }

    @Test
    void inMemoryStoreWarnsThatLettersDieWithTheProcess() {
        Logger logger = (Logger) LoggerFactory.getLogger(SluiceAutoConfiguration.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try {
            inMemory.run(context -> assertThat(context).hasNotFailed());

            assertThat(logged.list)
                    .anySatisfy(e -> assertThat(e.getLevel()).isEqualTo(Level.WARN))
                    .anySatisfy(e -> assertThat(e.getFormattedMessage())
                            .contains("sluice.dead-letters.store=in-memory")
                            .contains("LOST"));
        } finally {
            logger.detachAppender(logged);
        }
    }

    @Test
    void userBeansReplaceTheLifecycleAndTheEndpoint() {
        SluiceLifecycle lifecycle = new SluiceLifecycle(
                EventBus.builder().build(), java.util.List::of, java.util.List.of(), Duration.ofSeconds(1), null);
        inMemory.withBean(SluiceLifecycle.class, () -> lifecycle)
                .withBean(
                        SluiceEndpoint.class,
                        () -> new SluiceEndpoint(
                                EventBus.builder().build(),
                                lifecycle,
                                new dev.sluice.spring.actuate.SluiceEndpointProperties(
                                        org.springframework.boot.actuate.endpoint.Show.ALWAYS, java.util.Set.of())))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(SluiceLifecycle.class)).isSameAs(lifecycle);
                    assertThat(context).hasSingleBean(SluiceEndpoint.class);
                });
    }

    static String analysis(Throwable failure) {
        var analysis = new SluiceFailureAnalyzer().analyze(failure);
        assertThat(analysis).as("Sluice's failure analysis of %s", failure).isNotNull();
        return analysis.getDescription() + "\n" + analysis.getAction();
    }
}
