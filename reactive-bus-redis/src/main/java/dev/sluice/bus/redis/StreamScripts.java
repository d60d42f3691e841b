package dev.sluice.bus.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The Lua scripts of {@link RedisStreamTransport}, each a resource beside this class ({@code
 * dev/sluice/bus/redis/transport-<name>.lua}, next to the dead-letter store's {@link Scripts}), run with EVALSHA and
 * EVAL when the server does not know the script yet. Each touches the keys of one hash tag, so it runs on one Cluster
 * node. Never on the publish path: an append is a plain {@code XADD}.
 */
enum StreamScripts {

    /** Record or check a type's layout. KEYS meta; ARGV partitions, schema. Returns {partitions, schema}. */
    DECLARE("transport-declare.lua"),

    /** Renew the instance lease. KEYS lease; ARGV generation, ttl ms. Returns 1 renewed, 2 taken again, 0 lost. */
    RENEW_INSTANCE("transport-instance-renew.lua"),

    /** Release the instance lease if still ours. KEYS lease; ARGV generation. Returns 1 if released. */
    RELEASE_INSTANCE("transport-instance-release.lua"),

    /** Read a partition's audit. KEYS stream, audit. Returns {length, {field, value…}, {group, pending…}}. */
    AUDIT("transport-audit.lua"),

    /**
     * Trim a partition. KEYS stream, audit; ARGV max length (0: none), batch. Returns {trimmed, trimmed unhandled,
     * group, count…}.
     */
    RETAIN("transport-retain.lua"),

    /** Delete a group on one partition. KEYS stream, audit, lease, fence; ARGV group. Returns 1 if it existed. */
    DELETE_GROUP("transport-delete-group.lua");

    private final String source;
    private final String sha;

    StreamScripts(String resource) {
        this.source = read(resource);
        this.sha = sha1(source);
    }

    /** Read every script now, on the caller's thread (reading a resource blocks): the transport's builder calls it. */
    static void load() {}

    /** Return the script's source. */
    String source() {
        return source;
    }

    /** Run the script: EVALSHA, or EVAL if Redis answers NOSCRIPT (which also loads it for the next EVALSHA). */
    <T> Flux<T> run(
            RedisClusterReactiveCommands<String, String> redis, ScriptOutputType type, String[] keys, String... args) {
        return redis.<T>evalsha(sha, type, keys, args)
                .onErrorResume(RedisNoScriptException.class, e -> redis.eval(source, type, keys, args));
    }

    /**
     * Run a script whose reply is an array: emits its elements as one list, whether Lettuce hands the array over as
     * one element or dissolved into its elements.
     */
    @SuppressWarnings("unchecked")
    Mono<List<Object>> list(RedisClusterReactiveCommands<String, String> redis, String[] keys, String... args) {
        return this.<Object>run(redis, ScriptOutputType.MULTI, keys, args)
                .collectList()
                .map(reply ->
                        reply.size() == 1 && reply.get(0) instanceof List<?> array ? (List<Object>) array : reply);
    }

    private static String read(String resource) {
        try (InputStream in = StreamScripts.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(
                        "script " + resource + " is missing beside " + StreamScripts.class.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read script " + resource, e);
        }
    }

    private static String sha1(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-1", e);
        }
    }
}
