package dev.sluice.testsupport;

/** Reads {@code redis_version} from an {@code INFO server} reply and compares it. */
final class RedisVersion {

    private RedisVersion() {}

    static String parse(String info) {
        return info.lines()
                .filter(line -> line.startsWith("redis_version:"))
                .map(line -> line.substring("redis_version:".length()).trim())
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no redis_version in INFO reply: " + info));
    }

    static boolean isAtLeast(String version, int major, int minor) {
        String[] parts = version.split("\\.", 3);
        try {
            int actualMajor = Integer.parseInt(parts[0]);
            int actualMinor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return actualMajor > major || (actualMajor == major && actualMinor >= minor);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a Redis version: '" + version + "'", e);
        }
    }
}
