package dev.sluice.bus.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.reactive.RedisScriptingReactiveCommands;
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
import reactor.core.scheduler.Schedulers;

/**
 * The Lua scripts of a durable subscriber's consumer (docs/durable-events.md, "Ownership and fencing"): each change
 * that must be atomic, or fenced by a partition lease, is one script. Every script touches the keys of one partition
 * (one hash tag of {@link StreamKeys}) or one type-wide key, so it runs on one Redis Cluster node. Run with EVALSHA,
 * falling back to EVAL when the server does not know the script yet, as {@link Scripts} does for the dead-letter store.
 *
 * <p>Each script's source is a resource beside this class ({@code dev/sluice/bus/redis/<name>.lua}), read when the
 * enum is initialized; that reads a file, so the consumer initializes it through {@link Loading#loaded()} on {@code
 * boundedElastic}, never on a Reactor or Netty thread.
 */
enum ConsumerScripts {

    /** Create the group on one partition (BUSYGROUP is success) and record {@code base:<group>} in the audit. */
    GROUP_CREATE("group-create.lua"),

    /** Renew this instance's membership of the group, drop expired members, return the live ones. */
    MEMBERS_HEARTBEAT("members-heartbeat.lua"),

    /** Claim a free partition lease under the next fencing generation; tells whether the last owner let go cleanly. */
    LEASE_CLAIM("lease-claim.lua"),

    /** Renew a partition lease that still holds our token. */
    LEASE_RENEW("lease-renew.lua"),

    /** Release a partition lease that still holds our token, marking the release clean. */
    LEASE_RELEASE("lease-release.lua"),

    /** Acknowledge entries of one partition if the lease still holds the token they were read under. */
    ACK("ack.lua");

    private final String source;
    private final String sha;

    ConsumerScripts(String resource) {
        this.source = read(resource);
        this.sha = sha1(source);
    }

    /**
     * Run the script: EVALSHA, or EVAL if Redis answers NOSCRIPT (which also loads it for the next EVALSHA).
     *
     * @return the script's reply, dissolved into elements by Lettuce (a list reply emits each element)
     */
    <R> Flux<R> run(
            RedisScriptingReactiveCommands<String, String> redis,
            ScriptOutputType type,
            String[] keys,
            String... args) {
        return redis.<R>evalsha(sha, type, keys, args)
                .onErrorResume(RedisNoScriptException.class, e -> redis.eval(source, type, keys, args));
    }

    /**
     * Run a script whose reply is a list and emit the list's elements: Lettuce's reactive EVAL emits a {@code MULTI}
     * reply as one element, the whole list, where a list of lists would be dissolved one level.
     */
    Flux<Object> elements(RedisScriptingReactiveCommands<String, String> redis, String[] keys, String... args) {
        return this.<Object>run(redis, ScriptOutputType.MULTI, keys, args)
                .concatMapIterable(reply -> reply instanceof List<?> list ? list : List.of(reply));
    }

    private static String read(String resource) {
        try (InputStream in = ConsumerScripts.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(
                        "script " + resource + " is missing beside " + ConsumerScripts.class.getName());
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

    /** Initializes the enum off the caller's thread: touching this class does not initialize {@link ConsumerScripts}. */
    static final class Loading {

        private static final Mono<Void> LOADED = Mono.fromCallable(() -> ConsumerScripts.values().length)
                .subscribeOn(Schedulers.boundedElastic())
                .then()
                .cache();

        private Loading() {}

        /** Return a {@code Mono} that completes once every script was read, reading them on {@code boundedElastic}. */
        static Mono<Void> loaded() {
            return LOADED;
        }
    }
}
