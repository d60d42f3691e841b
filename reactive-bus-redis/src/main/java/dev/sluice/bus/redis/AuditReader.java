package dev.sluice.bus.redis;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reads a durable type's {@link StreamAudit}: one {@link StreamScripts#AUDIT} call per partition (its length, audit
 * hash and groups' pending counts at one instant), summed. Works the same on Redis 6.2 and 7: no {@code lag} field is
 * used. Thread-safe.
 */
final class AuditReader {

    private final TransportConnection redis;

    AuditReader(TransportConnection redis) {
        this.redis = redis;
    }

    /** Read the audit of {@code keys}' type. */
    Mono<StreamAudit> read(StreamKeys keys) {
        return Flux.range(0, keys.partitions())
                .concatMap(p -> redis.commands()
                        .flatMap(commands ->
                                StreamScripts.AUDIT.list(commands, new String[] {keys.stream(p), keys.audit(p)})))
                .reduce(new Sums(), Sums::add)
                .map(sums -> sums.audit(keys.type()));
    }

    /** The counters summed so far. Not thread-safe: used by one reduction. */
    private static final class Sums {
        long length;
        long trimmed;
        final Map<String, Long> fields = new HashMap<>();
        final Map<String, Long> pending = new HashMap<>();

        @SuppressWarnings("unchecked")
        Sums add(List<Object> reply) {
            length += (Long) reply.get(0);
            List<Object> audit = (List<Object>) reply.get(1);
            for (int i = 0; i + 1 < audit.size(); i += 2) {
                String field = (String) audit.get(i);
                long value = Long.parseLong((String) audit.get(i + 1));
                if (field.equals("trimmed")) {
                    trimmed += value;
                } else {
                    fields.merge(field, value, Long::sum);
                }
            }
            List<Object> groups = (List<Object>) reply.get(2);
            for (int i = 0; i + 1 < groups.size(); i += 2) {
                pending.merge((String) groups.get(i), (Long) groups.get(i + 1), Long::sum);
            }
            return this;
        }

        StreamAudit audit(String type) {
            long published = length + trimmed;
            Map<String, StreamAudit.Group> audits = new TreeMap<>();
            Set<String> names = new TreeSet<>(pending.keySet());
            for (String field : fields.keySet()) {
                int colon = field.indexOf(':');
                if (colon > 0) {
                    names.add(field.substring(colon + 1));
                }
            }
            for (String group : names) {
                long base = count("base:", group);
                long acked = count("acked:", group);
                long trimmedUnhandled = count("trimmed-unhandled:", group);
                long waiting = pending.getOrDefault(group, 0L);
                // not clamped at 0: a negative value would show a counting error, not hide it
                long undelivered = published - base - acked - waiting - trimmedUnhandled;
                audits.put(
                        group,
                        new StreamAudit.Group(
                                group,
                                published,
                                base,
                                acked,
                                waiting,
                                undelivered,
                                trimmedUnhandled,
                                count("redelivered:", group)));
            }
            return new StreamAudit(type, published, trimmed, audits);
        }

        private long count(String prefix, String group) {
            return fields.getOrDefault(prefix + group, 0L);
        }
    }
}
