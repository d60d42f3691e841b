package dev.sluice.demo;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** Options shared by {@code serve} and {@code scenario} (a picocli mixin); each has an environment variable. */
final class DemoOptions {

    @Option(
            names = "--port",
            defaultValue = "${env:SLUICE_PORT:-8080}",
            description = "HTTP port (env SLUICE_PORT, default ${DEFAULT-VALUE}); 0 picks a free one.")
    int port = 8080;

    @Option(
            names = "--host",
            defaultValue = "${env:SLUICE_HOST:-127.0.0.1}",
            description = "Address to bind (env SLUICE_HOST, default ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(
            names = "--redis-url",
            defaultValue = "${env:SLUICE_REDIS_URL}",
            description = "Redis URI (env SLUICE_REDIS_URL); without it an embedded Redis is started.")
    @Nullable
    String redisUrl;

    @Option(
            names = "--admin-token",
            defaultValue = "${env:SLUICE_ADMIN_TOKEN}",
            description = "Bearer token required by /chaos, redrive and delete (env SLUICE_ADMIN_TOKEN); none: open.")
    @Nullable
    String adminToken;

    @Option(
            names = "--webhook-url",
            defaultValue = "${env:SLUICE_WEBHOOK_URL}",
            description = "Where alerts are POSTed as JSON (env SLUICE_WEBHOOK_URL); none: they are logged.")
    @Nullable
    String webhookUrl;

    @Option(
            names = "--data-dir",
            defaultValue = "${env:SLUICE_DATA_DIR:-target/sluice-demo}",
            description = "Local files: the embedded Redis's AOF and log (in redis/), the dead-letter journal (env "
                    + "SLUICE_DATA_DIR, default ${DEFAULT-VALUE}).")
    Path dataDir = DemoSettings.DEFAULT_DATA_DIR;

    @Option(
            names = "--in-process",
            description = "Keep order.placed in this process's inboxes (lost on a crash, not shared) instead of "
                    + "durable in Redis Streams, shared by every instance on the same Redis.")
    boolean inProcess;

    @Option(
            names = "--join",
            arity = "0..1",
            paramLabel = "DIR",
            fallbackValue = "target/sluice-demo",
            description = "Use the embedded Redis of the demo running on data directory DIR (default "
                    + "${FALLBACK-VALUE}) instead of starting one; this instance never stops it. Without --data-dir "
                    + "this instance keeps its own files in target/sluice-demo-<port>.")
    @Nullable
    Path join;

    @Option(
            names = "--downstream-url",
            defaultValue = "${env:SLUICE_DOWNSTREAM_URL}",
            description =
                    "The inventory/mail service to call (env SLUICE_DOWNSTREAM_URL), serving GET /stock/{sku} and "
                            + "POST /email; none: the demo starts its own, which /chaos controls.")
    @Nullable
    String downstreamUrl;

    @Option(
            names = "--key-prefix",
            defaultValue = "${env:SLUICE_KEY_PREFIX:-sluice}",
            description = "Prefix of the Redis keys of the streams and dead letters (env SLUICE_KEY_PREFIX, default "
                    + "${DEFAULT-VALUE}); the scenarios use their own.")
    String keyPrefix = DemoSettings.DEFAULT_KEY_PREFIX;

    @Option(
            names = "--blockhound",
            description = "Install BlockHound (with Sluice's integration): a blocking call on a Reactor or Netty "
                    + "thread is logged loudly and fails it.")
    boolean blockhound;

    /**
     * Return the settings these options ask for: durable unless {@code --in-process}; with {@code --join} and the
     * default data directory, {@code target/sluice-demo-<port>} (the dead-letter journal's lock forbids sharing one).
     */
    DemoSettings settings() {
        Path dir = join != null && dataDir.equals(DemoSettings.DEFAULT_DATA_DIR)
                ? Path.of("target", "sluice-demo-" + port)
                : dataDir;
        return DemoSettings.serve(host, port, redisUrl, adminToken, webhookUrl)
                .mutate()
                .dataDir(dir)
                .durable(!inProcess)
                .joinDir(join)
                .downstreamUrl(downstreamUrl)
                .storeKeyPrefix(keyPrefix)
                .build();
    }
}
