package dev.sluice.bus.internal;

import dev.sluice.bus.Event;
import dev.sluice.bus.EventType;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/**
 * A bus's registered event types, by name: each with its {@link Channel} (its subscribers, observers and publish
 * counters). Types are added, never removed. Thread-safe; lookups take no lock.
 */
public final class Channels {

    private final Map<String, Channel<?>> byName = new ConcurrentHashMap<>();
    // registries BusMetrics bound: channels added later are bound to them too
    private final List<MetricsBinding> bindings = new CopyOnWriteArrayList<>();

    /**
     * Register {@code type}; registering it again is a no-op.
     *
     * @throws IllegalArgumentException if another type with the same name but a different payload class is
     *     registered
     */
    public void register(EventType<?> type) {
        channel(type);
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
                return new Channel<>(type);
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
        return (Channel<T>) channel;
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
