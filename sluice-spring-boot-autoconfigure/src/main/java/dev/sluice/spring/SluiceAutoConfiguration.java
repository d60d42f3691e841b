package dev.sluice.spring;

import dev.sluice.bus.DeadLetterStore;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import dev.sluice.bus.InMemoryDeadLetterStore;
import dev.sluice.bus.SubscriberSpec;
import dev.sluice.bus.spi.EventTransport;
import dev.sluice.policy.PolicyProperties;
import dev.sluice.policy.PolicyRegistry;
import dev.sluice.spring.internal.InstanceId;
import dev.sluice.spring.internal.ListenerMethods;
import dev.sluice.spring.internal.PolicyKeys;
import dev.sluice.spring.internal.StoreCloser;
import dev.sluice.spring.internal.SubscriberAssembly;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The bus, its policies and its lifecycle: a {@link PolicyRegistry} filled from {@code sluice.policies.*}, the {@link
 * EventBus} on the {@link DeadLetterStore} bean (the Redis one from {@link SluiceRedisAutoConfiguration}, or the
 * in-memory one when {@code sluice.dead-letters.store=in-memory}) and on the {@link EventTransport} bean if there is
 * one (the Redis Streams one from {@link SluiceDurableAutoConfiguration}), the collector of {@link SluiceListener}
 * methods, and the {@link SluiceLifecycle}. Every bean backs off when the application defines its own.
 */
@AutoConfiguration(after = {SluiceRedisAutoConfiguration.class, SluiceDurableAutoConfiguration.class})
@EnableConfigurationProperties(SluiceProperties.class)
public final class SluiceAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SluiceAutoConfiguration.class);

    /** Create the configuration; Spring does this. */
    public SluiceAutoConfiguration() {}

    /**
     * Return a registry with every policy of {@code sluice.policies.*}.
     *
     * @throws SluiceConfigurationException naming the key and value that {@code PolicyProperties} refused
     */
    @Bean
    @ConditionalOnMissingBean
    public PolicyRegistry sluicePolicyRegistry(SluiceProperties properties) {
        PolicyRegistry registry = PolicyRegistry.create();
        Map<String, String> keys = PolicyKeys.of(properties.policies());
        try {
            PolicyProperties.register(keys, registry);
        } catch (IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            int colon = message.indexOf(": ");
            String key = colon > 0 ? message.substring(0, colon) : PolicyProperties.PREFIX + "*";
            String value = keys.getOrDefault(key, "");
            throw new SluiceConfigurationException(
                    key,
                    value,
                    "is refused: " + (colon > 0 ? message.substring(colon + 2) : message),
                    "Fix " + key + " (docs/spring-boot.md lists every policy key and its range).",
                    e);
        }
        return registry;
    }

    /**
     * Return the in-memory store when {@code sluice.dead-letters.store=in-memory} (with a warning: its letters die
     * with the process); otherwise there is no store to fall back on, and startup fails naming the property.
     */
    @Bean
    @ConditionalOnMissingBean(DeadLetterStore.class)
    public DeadLetterStore sluiceDeadLetterStore(SluiceProperties properties) {
        if (properties.deadLetters().store() == SluiceProperties.Store.IN_MEMORY) {
            log.warn("sluice.dead-letters.store=in-memory: dead letters are kept in this process only and are LOST "
                    + "when it stops or crashes; use the Redis store (the default) in production");
            return InMemoryDeadLetterStore.create();
        }
        throw new SluiceConfigurationException(
                "sluice.dead-letters.store",
                "redis",
                "needs the Redis store (dev.sluice:reactive-bus-redis, Lettuce and spring-boot-data-redis) on the "
                        + "class path, and it is not there",
                "Depend on dev.sluice:sluice-spring-boot-starter, which brings them, or set "
                        + "sluice.dead-letters.store=in-memory to keep letters in memory (lost on restart).");
    }

    /**
     * Return the bus on {@code store} and on the {@link EventTransport} bean if there is one (durable types need it),
     * naming this instance {@code sluice.instance-id} in dead letters, and observing publishes and handlings with the
     * application's {@link ObservationRegistry} if it has one (Spring Boot's observation auto-configuration makes it;
     * without one nothing is observed: docs/observability.md).
     */
    @Bean
    @ConditionalOnMissingBean
    public EventBus sluiceEventBus(
            DeadLetterStore store,
            ObjectProvider<EventTransport> transport,
            ObjectProvider<ObservationRegistry> observations,
            SluiceProperties properties,
            Environment environment) {
        EventBus.Builder b = EventBus.builder().deadLetterStore(store).instance(InstanceId.of(properties, environment));
        EventTransport durable = transport.getIfAvailable();
        if (durable != null) {
            b.transport(durable);
        }
        observations.ifAvailable(b::observationRegistry);
        return b.build();
    }

    /** Return the collector of {@link SluiceListener} methods (a bean post-processor, so static). */
    @Bean
    @ConditionalOnMissingBean
    static ListenerMethods sluiceListenerMethods() {
        return new ListenerMethods();
    }

    /**
     * Return the lifecycle that subscribes the listeners and {@code SubscriberSpec} beans, and closes the bus (then
     * the transport, then the auto-configured store) within the shutdown phase.
     *
     * @throws SluiceConfigurationException naming {@code sluice.durable.enabled} if a type is durable and there is no
     *     transport
     */
    @Bean
    @ConditionalOnMissingBean
    SluiceLifecycle sluiceLifecycle(
            EventBus bus,
            DeadLetterStore store,
            ObjectProvider<EventTransport> transport,
            PolicyRegistry registry,
            SluiceProperties properties,
            ListenerMethods listeners,
            ObjectProvider<SubscriberSpec<?>> specBeans,
            ObjectProvider<EventType<?>> typeBeans,
            Environment environment) {
        Duration phase = Binder.get(environment)
                .bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class)
                .orElse(Duration.ofSeconds(30));
        EventTransport durable = transport.getIfAvailable();
        return new SluiceLifecycle(
                bus,
                () -> {
                    List<SubscriberSpec<?>> specs = specBeans.orderedStream().toList();
                    List<EventType<?>> types = typeBeans.orderedStream().toList();
                    SubscriberAssembly.requireTransport(types, specs, durable != null);
                    return SubscriberAssembly.assemble(listeners, specs, types, properties, registry);
                },
                typeBeans.orderedStream().toList(),
                SluiceLifecycle.closeTimeout(phase, properties.lifecycle().closeMargin()),
                durable,
                StoreCloser.of(store));
    }
}
