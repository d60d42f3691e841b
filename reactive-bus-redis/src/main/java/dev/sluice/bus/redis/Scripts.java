package dev.sluice.bus.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import reactor.core.publisher.Flux;

/**
 * The Lua scripts that change a subscriber's keys (see {@link Keys}); each multi-key change is one script, so Redis
 * runs it atomically. Run with EVALSHA, falling back to EVAL when the server does not know the script yet (after a
 * restart or failover, or on first use). Times are arguments (the caller's clock), never Redis {@code TIME}.
 */
enum Scripts {

    /**
     * Add a live letter unless its id is known. KEYS live, ids, due, leases; ARGV letter_id, due ms or '', maxlen (0:
     * off), field, value…. Returns -1 if the id was known (nothing changed), else how many letters MAXLEN trimmed.
     */
    WRITE(
            """
            if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return -1 end
            local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 4))
            redis.call('HSET', KEYS[2], ARGV[1], 'L' .. id)
            if ARGV[2] ~= '' then redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1]) end
            return trim(KEYS[1], KEYS[2], KEYS[3], KEYS[4], tonumber(ARGV[3]))
            """),

    /**
     * Replace a letter in its own stream. KEYS live, parked, ids, due, leases; ARGV letter_id, due ms or '', maxlen,
     * field, value…. Returns -1 if there is no such letter, else 0. A parked letter stays parked and unscheduled.
     */
    REPLACE(
            """
            local at = redis.call('HGET', KEYS[3], ARGV[1])
            if not at then return -1 end
            local side = string.sub(at, 1, 1)
            local stream = side == 'P' and KEYS[2] or KEYS[1]
            redis.call('XDEL', stream, string.sub(at, 2))
            local id = redis.call('XADD', stream, '*', unpack(ARGV, 4))
            redis.call('HSET', KEYS[3], ARGV[1], side .. id)
            redis.call('ZREM', KEYS[5], ARGV[1])
            if side == 'P' or ARGV[2] == '' then
              redis.call('ZREM', KEYS[4], ARGV[1])
            else
              redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
            end
            return 0
            """),

    /**
     * Replace a letter and move it to the parked stream. KEYS live, parked, ids, due, leases; ARGV letter_id, '',
     * maxlen, field, value…. Returns -1 if there is no such letter, else how many parked letters MAXLEN trimmed.
     */
    PARK(
            """
            local at = redis.call('HGET', KEYS[3], ARGV[1])
            if not at then return -1 end
            redis.call('XDEL', string.sub(at, 1, 1) == 'P' and KEYS[2] or KEYS[1], string.sub(at, 2))
            local id = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 4))
            redis.call('HSET', KEYS[3], ARGV[1], 'P' .. id)
            redis.call('ZREM', KEYS[4], ARGV[1])
            redis.call('ZREM', KEYS[5], ARGV[1])
            return trim(KEYS[2], KEYS[3], KEYS[4], KEYS[5], tonumber(ARGV[3]))
            """),

    /** Delete a letter. KEYS live, parked, ids, due, leases; ARGV letter_id. Returns 1 if deleted, else 0. */
    DELETE(
            """
            local at = redis.call('HGET', KEYS[3], ARGV[1])
            if not at then return 0 end
            redis.call('XDEL', string.sub(at, 1, 1) == 'P' and KEYS[2] or KEYS[1], string.sub(at, 2))
            redis.call('HDEL', KEYS[3], ARGV[1])
            redis.call('ZREM', KEYS[4], ARGV[1])
            redis.call('ZREM', KEYS[5], ARGV[1])
            return 1
            """),

    /** Delete every letter of a subscriber. KEYS live, parked, ids, due, leases. Returns how many letters. */
    PURGE(
            """
            local n = redis.call('XLEN', KEYS[1]) + redis.call('XLEN', KEYS[2])
            redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
            return n
            """),

    /** Read a letter, live or parked. KEYS live, parked, ids; ARGV letter_id. Returns its fields, or none. */
    GET(
            """
            local at = redis.call('HGET', KEYS[3], ARGV[1])
            if not at then return {} end
            local id = string.sub(at, 2)
            local entry = redis.call('XRANGE', string.sub(at, 1, 1) == 'P' and KEYS[2] or KEYS[1], id, id)
            if #entry == 0 then return {} end
            return entry[1][2]
            """),

    /**
     * Lease a letter if no running lease holds it. KEYS live, parked, ids, leases; ARGV letter_id, now ms, lease end
     * ms. Returns its fields if leased now, else none.
     */
    CLAIM(
            """
            local at = redis.call('HGET', KEYS[3], ARGV[1])
            if not at then return {} end
            local held = redis.call('ZSCORE', KEYS[4], ARGV[1])
            if held and tonumber(held) > tonumber(ARGV[2]) then return {} end
            local id = string.sub(at, 2)
            local entry = redis.call('XRANGE', string.sub(at, 1, 1) == 'P' and KEYS[2] or KEYS[1], id, id)
            if #entry == 0 then return {} end
            redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
            return entry[1][2]
            """),

    /**
     * Lease due live letters, earliest due first, moving each one's due time to its lease end. KEYS live, ids, due,
     * leases; ARGV now ms, lease end ms (> now), limit. Returns the claimed letters' fields, one list per letter.
     * Letters leased by {@code claim} that are due stay in the range and are skipped by offset: the range is sorted by
     * due time, so after claimed letters left it the skipped ones are exactly its first ones.
     */
    CLAIM_DUE(
            """
            local now = tonumber(ARGV[1])
            if tonumber(ARGV[2]) <= now then return redis.error_reply('lease end must be after now') end
            redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. ARGV[1])
            local limit = tonumber(ARGV[3])
            local out = {}
            local skipped = 0
            while #out < limit do
              local batch = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1], 'LIMIT', skipped, limit - #out)
              if #batch == 0 then break end
              for _, letter in ipairs(batch) do
                local at = redis.call('HGET', KEYS[2], letter)
                local entry = nil
                if at and string.sub(at, 1, 1) == 'L' then
                  local id = string.sub(at, 2)
                  entry = redis.call('XRANGE', KEYS[1], id, id)[1]
                end
                if not entry then
                  redis.call('ZREM', KEYS[3], letter)
                else
                  local held = redis.call('ZSCORE', KEYS[4], letter)
                  if held and tonumber(held) > now then
                    skipped = skipped + 1
                  else
                    redis.call('ZADD', KEYS[4], ARGV[2], letter)
                    redis.call('ZADD', KEYS[3], ARGV[2], letter)
                    out[#out + 1] = entry[2]
                  end
                end
              end
            end
            return out
            """);

    /**
     * Shared by the scripts that add entries: exact MAXLEN by deleting the oldest entries one by one (not XTRIM, so
     * that each trimmed letter's index, due time and lease go too, and every one is counted).
     */
    private static final String TRIM =
            """
            local function trim(stream, ids, due, leases, maxlen)
              if maxlen <= 0 then return 0 end
              local over = redis.call('XLEN', stream) - maxlen
              if over <= 0 then return 0 end
              local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', over)
              for _, entry in ipairs(oldest) do
                redis.call('XDEL', stream, entry[1])
                local fields = entry[2]
                for i = 1, #fields, 2 do
                  if fields[i] == 'letter_id' then
                    redis.call('HDEL', ids, fields[i + 1])
                    redis.call('ZREM', due, fields[i + 1])
                    redis.call('ZREM', leases, fields[i + 1])
                    break
                  end
                end
              end
              return #oldest
            end
            """;

    private final String source;
    private final String sha;

    Scripts(String body) {
        this.source = body.contains("trim(") ? TRIM + body : body;
        this.sha = sha1(source);
    }

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

    private static String sha1(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-1", e);
        }
    }
}
