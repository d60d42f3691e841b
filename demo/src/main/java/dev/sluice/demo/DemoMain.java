package dev.sluice.demo;

import io.lettuce.core.RedisClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Starts the demo service: Redis (embedded unless {@code SLUICE_REDIS_URL} is set), then the HTTP server. */
@Command(
        name = "sluice-demo",
        mixinStandardHelpOptions = true,
        description = "Runs the Sluice demo service on Reactor Netty.")
public final class DemoMain implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(DemoMain.class);

    @Option(
            names = "--port",
            defaultValue = "${env:SLUICE_PORT:-8080}",
            description = "HTTP port (env SLUICE_PORT, default ${DEFAULT-VALUE}); 0 picks a free one.")
    int port;

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

    /** Create the command; picocli fills the options. */
    public DemoMain() {}

    /**
     * Run the demo until the process is stopped.
     *
     * @param args command-line arguments, see {@code --help}
     */
    public static void main(String[] args) {
        System.exit(new CommandLine(new DemoMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        EmbeddedRedis embedded = null;
        String url = redisUrl;
        if (url == null || url.isBlank()) {
            embedded = EmbeddedRedis.start(Path.of("target", "demo-redis"));
            url = embedded.url();
            log.info("No SLUICE_REDIS_URL given: started an embedded Redis at {}", url);
        } else {
            log.info("Using Redis at {}", url);
        }
        RedisClient client = RedisClient.create(url);
        DemoServer server = DemoServer.start(client, host, port);
        EmbeddedRedis toStop = embedded;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            if (toStop != null) {
                try {
                    toStop.close();
                } catch (java.io.IOException e) {
                    log.warn("Could not stop the embedded Redis", e);
                }
            }
        }));
        log.info("Sluice demo listening on http://{}:{}/ (try GET /health)", server.host(), server.port());
        server.awaitClose();
        return 0;
    }
}
