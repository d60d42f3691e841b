package dev.sluice.spring.internal;

import dev.sluice.bus.BreakerOpenPolicy;
import dev.sluice.bus.EventType;
import dev.sluice.bus.OverflowPolicy;
import dev.sluice.bus.RedrivePolicy;
import dev.sluice.bus.StartPosition;
import dev.sluice.bus.SubscriberSpec;
import dev.sluice.policy.PolicyRegistry;
import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.spring.SluiceConfigurationException;
import dev.sluice.spring.SluiceProperties;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Builds the subscribers' specs at startup from the listener methods, {@code SubscriberSpec} beans, {@code EventType}
 * beans and {@code sluice.subscribers.*}, and refuses what cannot work, naming the key or method: a duplicate
 * subscriber name, a type bean whose payload class the method cannot take, a policy name no policy has, settings for
 * a subscriber no listener has.
 */
public final class SubscriberAssembly {

    private SubscriberAssembly() {}

    /**
     * Return the specs, listeners' first, in the order found.
     *
     * @throws SluiceConfigurationException naming the key or method at fault
     */
    public static List<SubscriberSpec<?>> assemble(
            ListenerMethods listeners,
            List<SubscriberSpec<?>> specBeans,
            List<EventType<?>> typeBeans,
            SluiceProperties properties,
            PolicyRegistry registry) {
        Map<String, EventType<?>> types = new LinkedHashMap<>();
        typeBeans.forEach(t -> types.put(t.name(), t));
        Map<String, String> owners = new LinkedHashMap<>();
        List<SubscriberSpec<?>> specs = new ArrayList<>();
        for (ListenerMethod listener : listeners.found()) {
            claim(owners, listener.subscriber(), listener.describe());
            specs.add(spec(listener, types.get(listener.type()), properties, registry));
        }
        for (SubscriberSpec<?> spec : specBeans) {
            claim(owners, spec.name(), "SubscriberSpec bean '" + spec.name() + "'");
            if (properties.subscribers().containsKey(spec.name())) {
                // SubscriberSpec is immutable and has no mutate(): its settings cannot be changed here
                throw new SluiceConfigurationException(
                        SluiceProperties.PREFIX + ".subscribers." + spec.name(),
                        spec.name(),
                        "names a SubscriberSpec bean, whose settings are fixed in code",
                        "Set the subscriber's settings in its SubscriberSpec bean, or make it a @SluiceListener "
                                + "method, whose settings come from sluice.subscribers.*.");
            }
            specs.add(spec);
        }
        for (String name : properties.subscribers().keySet()) {
            if (!owners.containsKey(name)) {
                throw new SluiceConfigurationException(
                        SluiceProperties.PREFIX + ".subscribers." + name,
                        name,
                        "matches no @SluiceListener subscriber (known: " + owners.keySet() + ")",
                        "Fix the subscriber name under sluice.subscribers, or remove its settings.");
            }
        }
        return specs;
    }

    /**
     * Refuse durable types without a transport: an {@code EventType} bean or a {@code SubscriberSpec} bean's type that
     * is durable, on a bus that has no transport.
     *
     * @throws SluiceConfigurationException naming {@code sluice.durable.enabled}
     */
    public static void requireTransport(
            List<EventType<?>> typeBeans, List<SubscriberSpec<?>> specBeans, boolean transport) {
        if (transport) {
            return;
        }
        Stream.concat(typeBeans.stream(), specBeans.stream().map(SubscriberSpec::type))
                .filter(t -> t.durability() != null)
                .findFirst()
                .ifPresent(t -> {
                    throw new SluiceConfigurationException(
                            SluiceProperties.PREFIX + ".durable.enabled",
                            "false",
                            "leaves the bus without a transport, but event type '" + t.name() + "' is durable",
                            "Set sluice.durable.enabled=true (the Redis Streams transport, on spring.data.redis.*), "
                                    + "define an EventTransport bean, or make the type in-process.");
                });
    }

    private static void claim(Map<String, String> owners, String name, String owner) {
        String before = owners.putIfAbsent(name, owner);
        if (before != null) {
            throw new SluiceConfigurationException(
                    "subscriber",
                    name,
                    "is claimed twice: by " + before + " and by " + owner,
                    "Give every @SluiceListener and SubscriberSpec bean its own subscriber name.");
        }
    }

    private static SubscriberSpec<?> spec(
            ListenerMethod listener,
            @Nullable EventType<?> typeBean,
            SluiceProperties properties,
            PolicyRegistry registry) {
        EventType<?> type = typeBean != null ? typeBean : typeOf(listener);
        if (!listener.payloadType().isAssignableFrom(type.payloadType())) {
            throw new SluiceConfigurationException(
                    "@SluiceListener method",
                    listener.describe(),
                    "takes " + listener.payloadType().getName() + ", but the EventType bean '" + type.name()
                            + "' carries " + type.payloadType().getName(),
                    "Take the EventType bean's payload class (or Event of it) in the listener.");
        }
        return build(type, listener, properties, registry);
    }

    @SuppressWarnings("unchecked")
    private static EventType<?> typeOf(ListenerMethod listener) {
        try {
            return EventType.of(listener.type(), (Class<Object>) listener.payloadType());
        } catch (IllegalArgumentException e) {
            throw new SluiceConfigurationException(
                    "@SluiceListener method",
                    listener.describe(),
                    "names event type '" + listener.type() + "', which is not a valid name: " + e.getMessage(),
                    "Name the type domain.action, e.g. order.placed.",
                    e);
        }
    }

    private static <T> SubscriberSpec<T> build(
            EventType<T> type, ListenerMethod listener, SluiceProperties properties, PolicyRegistry registry) {
        String name = listener.subscriber();
        SubscriberSpec.Builder<T> b = SubscriberSpec.builder(name, type, listener.<T>handler());
        SluiceProperties.Subscriber s = properties.subscribers().get(name);
        String key = SluiceProperties.PREFIX + ".subscribers." + name + ".";
        policy(s, name, key, registry).ifPresent(b::policy);
        if (s != null) {
            apply(s, b, key);
        }
        try {
            return b.build();
        } catch (IllegalStateException e) {
            // settings that conflict with the type or the policy (e.g. start-from on an in-process type)
            throw new SluiceConfigurationException(
                    SluiceProperties.PREFIX + ".subscribers." + name,
                    name,
                    "cannot be built: " + e.getMessage(),
                    "Fix the settings under " + key + "* or the subscriber's policy.",
                    e);
        }
    }

    private static <T> void apply(SluiceProperties.Subscriber s, SubscriberSpec.Builder<T> b, String key) {
        Setting set = new Setting(key);
        Integer inboxSize = s.inboxSize();
        if (inboxSize != null) {
            set.apply("inbox-size", inboxSize, () -> b.inboxSize(inboxSize));
        }
        Integer concurrency = s.concurrency();
        if (concurrency != null) {
            set.apply("concurrency", concurrency, () -> b.concurrency(concurrency));
        }
        Boolean orderedByKey = s.orderedByKey();
        if (orderedByKey != null) {
            b.orderedByKey(orderedByKey);
        }
        OverflowPolicy overflow = s.overflow();
        if (overflow != null) {
            b.overflow(overflow);
        }
        Duration maxPublishWait = s.maxPublishWait();
        if (maxPublishWait != null) {
            set.apply("max-publish-wait", maxPublishWait, () -> b.maxPublishWait(maxPublishWait));
        }
        BreakerOpenPolicy onBreakerOpen = s.onBreakerOpen();
        if (onBreakerOpen != null) {
            b.onBreakerOpen(onBreakerOpen);
        }
        Duration disposeGrace = s.disposeGrace();
        if (disposeGrace != null) {
            set.apply("dispose-grace", disposeGrace, () -> b.disposeGrace(disposeGrace));
        }
        List<Duration> delays = s.redriveDelays();
        if (delays != null && !delays.isEmpty()) {
            set.apply(
                    "redrive-delays",
                    delays,
                    () -> b.redrive(RedrivePolicy.custom()
                            .delays(delays.toArray(Duration[]::new))
                            .build()));
        }
        StartPosition startFrom = s.startFrom();
        if (startFrom != null) {
            b.startFrom(startFrom);
        }
        Integer deliveryLimit = s.deliveryLimit();
        if (deliveryLimit != null) {
            set.apply("delivery-limit", deliveryLimit, () -> b.deliveryLimit(deliveryLimit));
        }
    }

    private static Optional<ResiliencePolicy> policy(
            SluiceProperties.@Nullable Subscriber s, String name, String key, PolicyRegistry registry) {
        String policy = s == null ? null : s.policy();
        if (policy == null) {
            return registry.find(name);
        }
        Optional<ResiliencePolicy> found = registry.find(policy);
        if (found.isEmpty()) {
            throw new SluiceConfigurationException(
                    key + "policy",
                    policy,
                    "names no policy (known: "
                            + registry.policies().stream()
                                    .map(ResiliencePolicy::name)
                                    .toList() + ")",
                    "Describe the policy under sluice.policies." + policy + ".*, or name one that is.");
        }
        return found;
    }

    /** Applies one subscriber setting, turning the builder's refusal into a message naming the key. */
    private record Setting(String prefix) {
        void apply(String setting, Object value, Runnable change) {
            try {
                change.run();
            } catch (IllegalArgumentException e) {
                throw new SluiceConfigurationException(
                        prefix + setting,
                        String.valueOf(value),
                        "is invalid: " + e.getMessage(),
                        "Fix " + prefix + setting + ".",
                        e);
            }
        }
    }
}
