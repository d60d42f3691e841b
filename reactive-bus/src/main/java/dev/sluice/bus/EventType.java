package dev.sluice.bus;

import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A named kind of event and its payload class, e.g. {@code EventType.of("order.placed", OrderPlaced.class)}.
 * Immutable; equal when name and payload class are equal.
 *
 * <p>Names are {@code domain.action}: lowercase segments of letters, digits and hyphens separated by dots
 * ({@value #NAME_PATTERN}); names under {@code sluice.} are reserved for the bus's own system events. An optional key
 * extractor gives events published without an explicit key their key (for per-key ordering); an optional validator
 * returns a violation message for a bad payload, or null for a good one. A type is in-process unless made {@linkplain
 * #durable() durable}; equality ignores durability, and a bus refuses two registrations of one name that differ in it.
 *
 * @param <T> the payload type
 */
public final class EventType<T> {

    /** What a name must match. */
    public static final String NAME_PATTERN = "[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+";

    private static final Pattern NAME = Pattern.compile(NAME_PATTERN);

    private final String name;
    private final Class<T> payloadType;
    private final @Nullable Function<? super T, @Nullable String> keyExtractor;
    private final @Nullable Function<? super T, @Nullable String> validator;
    private final @Nullable Durability durability;

    private EventType(
            String name,
            Class<T> payloadType,
            @Nullable Function<? super T, @Nullable String> keyExtractor,
            @Nullable Function<? super T, @Nullable String> validator,
            @Nullable Durability durability) {
        this.name = name;
        this.payloadType = payloadType;
        this.keyExtractor = keyExtractor;
        this.validator = validator;
        this.durability = durability;
    }

    /**
     * Return an event type.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} does not match {@value #NAME_PATTERN} or starts with
     *     {@code sluice.}
     */
    public static <T> EventType<T> of(String name, Class<T> payloadType) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(payloadType, "payloadType");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "event type name must match " + NAME_PATTERN + " (domain.action), but was '" + name + "'");
        }
        if (name.startsWith("sluice.")) {
            throw new IllegalArgumentException(
                    "event type names under 'sluice.' are reserved for system events, but was '" + name + "'");
        }
        return new EventType<>(name, payloadType, null, null, null);
    }

    static <T> EventType<T> system(String name, Class<T> payloadType) {
        return new EventType<>(name, payloadType, null, null, null); // system events stay in-process
    }

    /** Return a copy whose events take their key from {@code keyExtractor} when published without one. */
    public EventType<T> withKey(Function<? super T, @Nullable String> keyExtractor) {
        return new EventType<>(
                name, payloadType, Objects.requireNonNull(keyExtractor, "keyExtractor"), validator, durability);
    }

    /** Return a copy that validates payloads: {@code validator} returns a violation message, or null if valid. */
    public EventType<T> withValidator(Function<? super T, @Nullable String> validator) {
        return new EventType<>(
                name, payloadType, keyExtractor, Objects.requireNonNull(validator, "validator"), durability);
    }

    /**
     * Return a durable copy with the default layout ({@link Durability#DEFAULT}): its events live on the bus's
     * transport (Redis Streams), survive a process crash and are shared by every instance of a subscriber, delivered
     * at least once (docs/DESIGN.md, "Durable types"). A bus needs a transport to register a durable type.
     */
    public EventType<T> durable() {
        return durable(Durability.DEFAULT);
    }

    /** Return a durable copy laid out as {@code durability}; see {@link #durable()}. */
    public EventType<T> durable(Durability durability) {
        return new EventType<>(
                name, payloadType, keyExtractor, validator, Objects.requireNonNull(durability, "durability"));
    }

    /** Return the durable layout, or null for an in-process type (the default). */
    public @Nullable Durability durability() {
        return durability;
    }

    /** Return the name. */
    public String name() {
        return name;
    }

    /** Return the payload class. */
    public Class<T> payloadType() {
        return payloadType;
    }

    @Nullable
    String keyOf(T payload) {
        return keyExtractor == null ? null : keyExtractor.apply(payload);
    }

    /**
     * Return what the type's validator finds wrong with {@code payload}, or null if it is valid (or there is no
     * validator).
     */
    public @Nullable String violationOf(T payload) {
        return validator == null ? null : validator.apply(payload);
    }

    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof EventType<?> other && name.equals(other.name) && payloadType.equals(other.payloadType);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + payloadType.hashCode();
    }

    @Override
    public String toString() {
        return name + "<" + payloadType.getSimpleName() + ">";
    }
}
