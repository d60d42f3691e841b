package dev.sluice.bus.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import reactor.core.publisher.Flux;

/**
 * The Lua scripts that change a subscriber's keys (see {@link Keys}); each multi-key change is one script, so Redis
 * runs it atomically. Run with EVALSHA, falling back to EVAL when the server does not know the script yet (after a
 * restart or failover, or on first use). Times are arguments (the caller's clock), never Redis {@code TIME}.
 *
 * <p>Each script's Lua source is a resource beside this class ({@code dev/sluice/bus/redis/<name>.lua}), so tools can
 * read exactly what the store runs (the benchmarks do); a script that calls {@code trim} is sent with {@value
 * #TRIM_LIBRARY} in front of it.
 */
enum Scripts {

    /**
     * Add a live letter unless its id is known. KEYS live, ids, due, leases; ARGV letter_id, due ms or '', maxlen (0:
     * off), field, value…. Returns -1 if the id was known (nothing changed), else how many letters MAXLEN trimmed.
     */
    WRITE("write.lua"),

    /**
     * Replace a letter in its own stream. KEYS live, parked, ids, due, leases; ARGV letter_id, due ms or '', maxlen,
     * field, value…. Returns -1 if there is no such letter, else 0. A parked letter stays parked and unscheduled.
     */
    REPLACE("replace.lua"),

    /**
     * Replace a letter and move it to the parked stream. KEYS live, parked, ids, due, leases; ARGV letter_id, '',
     * maxlen, field, value…. Returns -1 if there is no such letter, else how many parked letters MAXLEN trimmed.
     */
    PARK("park.lua"),

    /** Delete a letter. KEYS live, parked, ids, due, leases; ARGV letter_id. Returns 1 if deleted, else 0. */
    DELETE("delete.lua"),

    /** Delete every letter of a subscriber. KEYS live, parked, ids, due, leases. Returns how many letters. */
    PURGE("purge.lua"),

    /** Read a letter, live or parked. KEYS live, parked, ids; ARGV letter_id. Returns its fields, or none. */
    GET("get.lua"),

    /**
     * Lease a letter if no running lease holds it. KEYS live, parked, ids, leases; ARGV letter_id, now ms, lease end
     * ms. Returns its fields if leased now, else none.
     */
    CLAIM("claim.lua"),

    /**
     * Lease due live letters, earliest due first, moving each one's due time to its lease end. KEYS live, ids, due,
     * leases; ARGV now ms, lease end ms (> now), limit. Returns the claimed letters' fields, one list per letter.
     * Letters leased by {@code claim} that are due stay in the range and are skipped by offset: the range is sorted by
     * due time, so after claimed letters left it the skipped ones are exactly its first ones.
     */
    CLAIM_DUE("claim-due.lua");

    /**
     * The library prepended to every script that calls {@code trim(stream, ids, due, leases, maxlen)}: exact MAXLEN by
     * deleting the oldest entries one by one (not XTRIM, so that each trimmed letter's index, due time and lease go
     * too, and every one is counted).
     */
    static final String TRIM_LIBRARY = "trim.lua";

    private final String source;
    private final String sha;

    Scripts(String resource) {
        String body = read(resource);
        this.source = body.contains("trim(") ? read(TRIM_LIBRARY) + body : body;
        this.sha = sha1(source);
    }

    /**
     * Read every script now. Reading a resource blocks, so the store calls this while it is built, on the builder's
     * thread, rather than leaving it to the first command on a Lettuce I/O thread; initializing the enum does it all.
     */
    static void load() {}

    /** Return the script's source, as sent by EVAL. */
    String source() {
        return source;
    }

    /**
     * Run the script: EVALSHA, or EVAL if Redis answers NOSCRIPT (which also loads it for the next EVALSHA).
     *
     * @return the script's reply, dissolved into elements by Lettuce (a list reply emits each element)
     */
    <T> Flux<T> run(StoreCommands redis, ScriptOutputType type, String[] keys, String... args) {
        return redis.<T>evalsha(sha, type, keys, args)
                .onErrorResume(RedisNoScriptException.class, e -> redis.eval(source, type, keys, args));
    }

    private static String read(String resource) {
        try (InputStream in = Scripts.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("script " + resource + " is missing beside " + Scripts.class.getName());
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
