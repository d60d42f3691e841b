package dev.sluice.bus.internal;

import dev.sluice.bus.Durability;
import dev.sluice.bus.Event;
import dev.sluice.bus.EventType;
import dev.sluice.bus.spi.EventTransport;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A bus's registered event types, by name: each with its {@link Channel} (its subscribers, observers and publish
 * counters) and, for a durable type, its declaration on the bus's transport. Types are added, never removed.
 * Thread-safe; lookups take no lock.
 */
public final class Channels {

    private final @Nullable EventTransport transport;
    private final Map<String, Channel<?>> byName = new ConcurrentHashMap<>();
    // registries BusMetrics bound: channels added later are bound to them too
    private final List<MetricsBinding> bindings = new CopyOnWriteArrayList<>();

    /** Create the types of a bus whose durable types live on {@code transport} (null: the bus has none). */
    public Channels(@Nullable EventTransport transport) {
        this.transport = transport;
    }

    /**
     * Register {@code type}; registering it again is a no-op. A durable type is declared on the transport at once.
     *
     * @throws IllegalArgumentException if another type with the same name but a different payload class or
     *     durability is registered
     * @throws IllegalStateException if {@code type} is durable and the bus has no transport
     */
    public void register(EventType<?> type) {
        channel(type);
    }

    /**
     * Return a {@code Mono} that completes when every durable type registered so far is declared on the transport,
     * or errors with the first declaration's error (a later call tries the failed ones again).
     */
    public Mono<Void> ready() {
        List<Mono<Void>> declared = new ArrayList<>();
        for (Channel<?> channel : byName.values()) {
            DurableRoute route = channel.durable;
            if (route != null) {
                declared.add(route.declared());
            }
        }
        return Mono.when(declared);
    }

    /** Return whether {@code type}'s registered channel is durable (false if it is not registered). */
    public boolean durable(EventType<?> type) {
        Channel<?> channel = byName.get(type.name());
        return channel != null && channel.durable != null;
    }

    /**
     * Return a hot {@code Flux} of every event of {@code type} published from now on (registers the type); a slow
     * observer misses events, counted by {@link #observerDrops}.
     */
    public <T> Flux<Event<T>> events(EventType<T> type) {
        return channel(type).observers.flux();
    }

    /** Return how many events of {@code type} slow observers missed (0 for an unregistered type). */
    public long observerDrops(EventType<?> type) {
        Channel<?> channel = byName.get(type.name());
        return channel == null ? 0 : channel.observers.dropped();
    }

    /** Return how many events were published (routed or not). */
    public long publishedCount() {
        return byName.values().stream().mapToLong(c -> c.published.sum()).sum();
    }

    /** Return how many events were published to a type with no subscriber. */
    public long unroutedCount() {
        return byName.values().stream().mapToLong(c -> c.unrouted.sum()).sum();
    }

    /** Return the channel of {@code type}, registering it first if needed. */
    @SuppressWarnings("unchecked")
    <T> Channel<T> channel(EventType<T> type) {
        Channel<?> channel = byName.get(type.name());
        if (channel == null) {
            boolean[] added = {false};
            channel = byName.computeIfAbsent(type.name(), name -> {
                added[0] = true;
                return new Channel<>(type, routeOf(type));
            });
            if (added[0]) {
                for (MetricsBinding binding : bindings) {
                    binding.channelAdded(channel);
                }
            }
        }
        if (!channel.type().payloadType().equals(type.payloadType())) {
            throw new IllegalArgumentException("event type '" + type.name() + "' is registered with payload "
                    + channel.type().payloadType().getName() + ", not "
                    + type.payloadType().getName());
        }
        if (!Objects.equals(channel.type().durability(), type.durability())) {
            throw new IllegalArgumentException("event type '" + type.name() + "' is registered "
                    + durabilityOf(channel.type()) + ", not " + durabilityOf(type));
        }
        return (Channel<T>) channel;
    }

    private @Nullable DurableRoute routeOf(EventType<?> type) {
        if (type.durability() == null) {
            return null;
        }
        EventTransport durableOn = transport;
        if (durableOn == null) {
            throw new IllegalStateException("event type '" + type.name() + "' is durable, but the bus has no transport:"
                    + " build it with EventBus.builder().transport(…)");
        }
        return DurableRoute.declare(durableOn, type);
    }

    private static String durabilityOf(EventType<?> type) {
        Durability durability = type.durability();
        return durability == null
                ? "in-process"
                : "durable with " + durability.partitions() + " partitions, schema version "
                        + durability.schemaVersion();
    }

    /** Return the channel registered under {@code name}, or null. */
    @Nullable
    Channel<?> find(String name) {
        return byName.get(name);
    }

    /** Return every channel; a live view. */
    Collection<Channel<?>> all() {
        return byName.values();
    }

    /** Bind channels added from now on with {@code binding}. */
    void bind(MetricsBinding binding) {
        bindings.add(binding);
    }
}
