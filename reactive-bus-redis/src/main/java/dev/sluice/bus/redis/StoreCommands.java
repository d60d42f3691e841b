package dev.sluice.bus.redis;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.reactive.BaseRedisReactiveCommands;
import io.lettuce.core.api.reactive.RedisScriptingReactiveCommands;
import io.lettuce.core.api.reactive.RedisStreamReactiveCommands;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The few reactive commands the store sends, over either kind of Lettuce connection: a standalone or Sentinel
 * connection's {@code RedisReactiveCommands} or a Cluster connection's {@code RedisAdvancedClusterReactiveCommands},
 * which share the command interfaces used here. In a Cluster, Lettuce routes each command by its first key's slot; a
 * subscriber's keys share one (the hash tag of {@link Keys}), so every script runs where all its keys live. Thread-safe,
 * as the Lettuce commands are.
 */
final class StoreCommands {

    private final RedisScriptingReactiveCommands<String, String> scripting;
    private final RedisStreamReactiveCommands<String, String> streams;
    private final BaseRedisReactiveCommands<String, String> base;

    /** Wrap {@code commands}, a standalone, Sentinel or Cluster connection's reactive commands. */
    <
                    C extends
                            RedisScriptingReactiveCommands<String, String> & RedisStreamReactiveCommands<String, String>
                                    & BaseRedisReactiveCommands<String, String>>
            StoreCommands(C commands) {
        this.scripting = commands;
        this.streams = commands;
        this.base = commands;
    }

    <T> Flux<T> evalsha(String sha, ScriptOutputType type, String[] keys, String... args) {
        return scripting.evalsha(sha, type, keys, args);
    }

    <T> Flux<T> eval(String script, ScriptOutputType type, String[] keys, String... args) {
        return scripting.eval(script, type, keys, args);
    }

    Flux<StreamMessage<String, String>> xrange(String stream, Range<String> range, Limit limit) {
        return streams.xrange(stream, range, limit);
    }

    Flux<StreamMessage<String, String>> xrevrange(String stream, Range<String> range, Limit limit) {
        return streams.xrevrange(stream, range, limit);
    }

    Mono<Long> xlen(String stream) {
        return streams.xlen(stream);
    }

    Mono<String> ping() {
        return base.ping();
    }
}
