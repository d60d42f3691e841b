package dev.sluice.demo;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.bus.Durability;
import dev.sluice.bus.EventType;
import dev.sluice.bus.redis.RedisStreamTransport;
import dev.sluice.bus.redis.StreamAudit;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What {@code /status} shows of each durable order subscriber, sampled at most every half second however many pages
 * watch: the live instances of its consumer group and who owns which partition (read from the membership set and the
 * partition leases in Redis, the layout of docs/durable-events.md), this instance's consumer meters (lag, pending,
 * oldest pending age, redeliveries, ownership changes; {@code ConsumerMeter}) and the group's stream audit ({@link
 * RedisStreamTransport#audit}). Never blocks: every read is a Lettuce reactive command.
 */
final class DurableStatus {

    private static final Duration SAMPLE_TTL = Duration.ofMillis(500);

    private final RedisReactiveCommands<String, String> redis;
    private final RedisStreamTransport transport;
    private final MeterRegistry registry;
    private final EventType<Order> type;
    private final String keyPrefix;
    private final int partitions;
    private final List<String> subscribers;
    private final Mono<Map<String, ObjectNode>> sample;

    DurableStatus(
            RedisReactiveCommands<String, String> redis,
            RedisStreamTransport transport,
            MeterRegistry registry,
            EventType<Order> type,
            String keyPrefix,
            List<String> subscribers) {
        this.redis = redis;
        this.transport = transport;
        this.registry = registry;
        this.type = type;
        this.keyPrefix = keyPrefix;
        this.partitions =
                Objects.requireNonNull(type.durability(), "durability").partitions();
        this.subscribers = List.copyOf(subscribers);
        this.sample = Mono.defer(this::read).cache(value -> SAMPLE_TTL, error -> Duration.ZERO, () -> Duration.ZERO);
    }

    /** Return {@code durable} when {@code runtime} keeps {@code order.placed} durable, else null. */
    static @Nullable DurableStatus of(DemoRuntime runtime) {
        RedisStreamTransport transport = runtime.transport;
        return transport == null
                ? null
                : new DurableStatus(
                        runtime.redis.reactive(),
                        transport,
                        runtime.registry,
                        runtime.orders,
                        runtime.settings.storeKeyPrefix(),
                        Subscribers.ORDER_SUBSCRIBERS);
    }

    /** Return the partition count of the durable type ({@link Durability#DEFAULT_PARTITIONS} in the demo). */
    int partitions() {
        return partitions;
    }

    /**
     * Return each durable subscriber's status by name: a recent sample (at most 500 ms old).
     *
     * @return a {@code Mono} of the statuses; a subscriber whose Redis reads failed has an {@code error} field instead
     *     of the Redis-side ones; never errors
     */
    Mono<Map<String, ObjectNode>> sample() {
        return sample;
    }

    private Mono<Map<String, ObjectNode>> read() {
        Mono<StreamAudit> audit = transport.audit(type);
        return Mono.zip(audit, redisMillis())
                .flatMap(both -> Flux.fromIterable(subscribers)
                        .concatMap(name -> subscriber(name, both.getT1(), both.getT2()))
                        .collectMap(json -> json.path("subscriber").asText(), json -> json, TreeMap::new))
                .onErrorResume(error -> Flux.fromIterable(subscribers)
                        .map(name -> meters(name).put("error", String.valueOf(error)))
                        .collectMap(json -> json.path("subscriber").asText(), json -> json, TreeMap::new));
    }

    private Mono<ObjectNode> subscriber(String name, StreamAudit audit, long nowMillis) {
        Mono<List<String>> members = redis.zrangeWithScores(membersKey(name), 0, -1)
                .filter(member -> member.getScore() > nowMillis)
                .map(ScoredValue::getValue)
                .collectSortedList();
        Mono<Map<String, List<Integer>>> owners = Flux.range(0, partitions)
                .flatMap(p -> redis.get(leaseKey(p, name)).map(token -> Map.entry(owner(token), p)))
                .collectMultimap(Map.Entry::getKey, Map.Entry::getValue)
                .map(byOwner -> {
                    Map<String, List<Integer>> sorted = new TreeMap<>();
                    byOwner.forEach((owner, ps) -> sorted.put(owner, List.copyOf(new TreeSet<>(ps))));
                    return sorted;
                });
        return Mono.zip(members, owners).map(both -> {
            ObjectNode json = meters(name);
            ArrayNode instances = json.putArray("instances");
            both.getT1().forEach(instances::add);
            ObjectNode byOwner = json.putObject("owners");
            both.getT2().forEach((owner, ps) -> {
                ArrayNode list = byOwner.putArray(owner);
                ps.forEach(list::add);
            });
            ArrayNode owned = json.putArray("owned");
            both.getT2().getOrDefault(transport.instanceId(), List.of()).forEach(owned::add);
            StreamAudit.Group group = audit.groups().get(name);
            if (group != null) {
                json.putObject("audit")
                        .put("published", group.published())
                        .put("base", group.base())
                        .put("acked", group.acked())
                        .put("pending", group.pending())
                        .put("undelivered", group.undelivered())
                        .put("trimmedUnhandled", group.trimmedUnhandled())
                        .put("redelivered", group.redelivered());
            }
            return json;
        });
    }

    /** Return this instance's consumer meters of {@code name}; a meter not sampled yet is null. */
    private ObjectNode meters(String name) {
        ObjectNode json = Json.object().put("subscriber", name);
        json.put("lag", gauge("sluice.durable.lag", name));
        json.put("pending", gauge("sluice.durable.pending", name));
        json.put("oldestPendingAgeSeconds", gauge("sluice.durable.pending.oldest.age", name));
        json.put("partitionsOwned", gauge("sluice.durable.partitions.owned", name));
        json.put("redeliveries", counter("sluice.durable.redeliveries", name));
        json.put("ownershipChanges", counter("sluice.durable.ownership.changes", name));
        json.put("acksRefused", counter("sluice.durable.acks.refused", name));
        json.put("released", counter("sluice.durable.released", name));
        return json;
    }

    private @Nullable Double gauge(String meter, String subscriber) {
        Gauge gauge = registry.find(meter).tag("subscriber", subscriber).gauge();
        double value = gauge == null ? Double.NaN : gauge.value();
        return Double.isNaN(value) ? null : value;
    }

    private long counter(String meter, String subscriber) {
        FunctionCounter counter =
                registry.find(meter).tag("subscriber", subscriber).functionCounter();
        return counter == null ? 0 : (long) counter.count();
    }

    /** Return Redis's clock in epoch ms: membership scores are lease ends by it. */
    private Mono<Long> redisMillis() {
        return redis.time()
                .collectList()
                .map(time -> Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000);
    }

    private String membersKey(String group) {
        return keyPrefix + ":ev:{" + type.name() + "}:members:" + group;
    }

    private String leaseKey(int partition, String group) {
        return keyPrefix + ":ev:{" + type.name() + ":" + partition + "}:lease:" + group;
    }

    /** Return the instance of a lease token {@code <instance>:<generation>} (an instance id has no colon). */
    private static String owner(String token) {
        int colon = token.lastIndexOf(':');
        return colon < 0 ? token : token.substring(0, colon);
    }
}
