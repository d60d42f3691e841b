package dev.sluice.demo;

import dev.sluice.testsupport.TestRedis;

/** Where a test's demo keeps its dead letters in Redis: under the test's own key prefix, which the extension cleans. */
final class TestStores {

    private TestStores() {}

    /** Return {@code redis}'s key prefix without its trailing colon (the store adds {@code :dlq:…}). */
    static String prefix(TestRedis redis) {
        String prefix = redis.keyPrefix();
        return prefix.endsWith(":") ? prefix.substring(0, prefix.length() - 1) : prefix;
    }
}
