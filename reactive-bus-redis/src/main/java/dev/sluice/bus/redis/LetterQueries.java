package dev.sluice.bus.redis;

import dev.sluice.bus.DeadLetter;
import dev.sluice.bus.DeadLetterQuery;
import io.lettuce.core.ScriptOutputType;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reads letters for inspection: one by id with {@link Scripts#GET}, lists and counts by scanning a stream ({@link
 * LetterScan}) or with {@code XLEN}. Reading a subscriber's letters does not make it known to {@link Subscribers}.
 * Thread-safe; every method is lazy.
 */
final class LetterQueries {

    private final RedisConnection redis;
    private final Subscribers subscribers;
    private final LetterCodec codec;
    private final LetterScan scan;

    LetterQueries(RedisConnection redis, Subscribers subscribers, LetterCodec codec) {
        this.redis = redis;
        this.subscribers = subscribers;
        this.codec = codec;
        this.scan = new LetterScan(codec);
    }

    /** See {@link RedisDeadLetterStore#get}. */
    Mono<DeadLetter> get(String subscriber, String letterId) {
        return Mono.defer(() -> {
            Keys keys = subscribers.keys(subscriber);
            return redis.commands().flatMap(commands -> Scripts.GET
                    .<List<?>>run(
                            commands,
                            ScriptOutputType.MULTI,
                            new String[] {keys.live(), keys.parked(), keys.ids()},
                            letterId)
                    .next()
                    .filter(fields -> !fields.isEmpty())
                    .map(codec::decode));
        });
    }

    /** See {@link RedisDeadLetterStore#list}. */
    Flux<DeadLetter> list(DeadLetterQuery query) {
        return scan(query).filter(query::matches).skip(query.offset()).take(query.limit(), true);
    }

    /** See {@link RedisDeadLetterStore#count}. */
    Mono<Long> count(DeadLetterQuery query) {
        if (query.eventType() == null && query.reason() == null && query.from() == null && query.to() == null) {
            return Mono.defer(() -> {
                String stream = subscribers.keys(query.subscriber()).stream(query.parked());
                return redis.commands().flatMap(commands -> commands.xlen(stream));
            });
        }
        return scan(query).filter(query::matches).count();
    }

    private Flux<DeadLetter> scan(DeadLetterQuery query) {
        return Flux.defer(() -> {
            String stream = subscribers.keys(query.subscriber()).stream(query.parked());
            return redis.commands().flatMapMany(commands -> scan.all(commands, stream, query.newestFirst()));
        });
    }
}
