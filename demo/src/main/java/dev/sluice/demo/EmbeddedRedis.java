package dev.sluice.demo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import redis.embedded.RedisServer;

/** The embedded Redis the demo starts when no {@code SLUICE_REDIS_URL} is given: loopback only, no persistence. */
final class EmbeddedRedis implements AutoCloseable {

    private final RedisServer server;
    private final int port;

    private EmbeddedRedis(RedisServer server, int port) {
        this.server = server;
        this.port = port;
    }

    /**
     * Start Redis on a free loopback port, its working files under {@code dir}.
     *
     * @throws IOException if the server cannot start (it needs Linux with OpenSSL 3, or macOS)
     */
    static EmbeddedRedis start(Path dir) throws IOException {
        Files.createDirectories(dir);
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        RedisServer server = RedisServer.newRedisServer()
                .bind("127.0.0.1")
                .port(port)
                .setting("save \"\"")
                .setting("appendonly no")
                .setting("dir " + dir.toAbsolutePath())
                .build();
        server.start();
        return new EmbeddedRedis(server, port);
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    @Override
    public void close() throws IOException {
        server.stop();
    }
}
