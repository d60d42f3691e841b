package dev.sluice.testsupport;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.NettyInbound;
import reactor.netty.NettyOutbound;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

/**
 * A loopback TCP proxy, written with Reactor Netty, that forwards bytes between clients and one target server and
 * can inject network faults on command: added latency, a stall (bytes held, connections kept open), or a cut (every
 * connection closed, new ones closed at once) — the way tests simulate a Redis outage without restarting the server
 * (an embedded Redis loses its data when stopped).
 *
 * <p>Faults apply to both directions and to connections already open. Thread-safe: any thread may change the mode.
 * Bound to {@code 127.0.0.1} on a free port; {@link #close()} stops it and closes every connection.
 */
public final class FaultProxy implements AutoCloseable {

    private final String targetHost;
    private final int targetPort;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final DisposableServer server;

    private volatile boolean cut;
    private volatile Duration latency = Duration.ZERO;
    private volatile Sinks.Empty<Void> stallReleased = released();

    private FaultProxy(String targetHost, int targetPort) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = TcpServer.create()
                .host("127.0.0.1")
                .port(0)
                .doOnConnection(this::track)
                .handle(this::forward)
                .bindNow(Duration.ofSeconds(10));
    }

    /**
     * Start a proxy in front of {@code targetHost:targetPort}; it binds before returning.
     *
     * @throws NullPointerException if {@code targetHost} is null
     */
    public static FaultProxy start(String targetHost, int targetPort) {
        return new FaultProxy(Objects.requireNonNull(targetHost, "targetHost"), targetPort);
    }

    /** Return the proxy's host, {@code 127.0.0.1}. */
    public String host() {
        return "127.0.0.1";
    }

    /** Return the proxy's port. */
    public int port() {
        return server.port();
    }

    /** Return how many connections (client and target sides together) are open now. */
    public int openConnections() {
        return connections.size();
    }

    /** Delay every chunk of bytes by {@code delay} in each direction, from now on; {@code Duration.ZERO} for none. */
    public void latency(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("latency must be >= 0, but was " + delay);
        }
        latency = delay;
    }

    /** Hold every byte in both directions, keeping connections open (no reply, no close), until {@link #restore()}. */
    public void stall() {
        stallReleased = Sinks.empty();
    }

    /** Close every open connection and close new ones at once, until {@link #restore()}. */
    public void cut() {
        cut = true;
        connections.forEach(Connection::dispose);
    }

    /** Forward normally again: no latency, no stall, no cut. Bytes held by a stall are sent now, in order. */
    public void restore() {
        cut = false;
        latency = Duration.ZERO;
        stallReleased.tryEmitEmpty();
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
        connections.forEach(Connection::dispose);
    }

    private void track(Connection connection) {
        connections.add(connection);
        connection.onDispose(() -> connections.remove(connection));
    }

    private Mono<Void> forward(NettyInbound clientIn, NettyOutbound clientOut) {
        if (cut) {
            return Mono.empty(); // completing the handler closes the client's connection
        }
        return TcpClient.newConnection()
                .host(targetHost)
                .port(targetPort)
                .doOnConnected(this::track)
                .connect()
                .flatMap(target -> {
                    Mono<Void> up = target.outbound()
                            .send(clientIn.receive().retain().concatMap(this::delay))
                            .then();
                    Mono<Void> down = clientOut
                            .send(target.inbound().receive().retain().concatMap(this::delay))
                            .then();
                    // when either side ends, end both
                    return Mono.firstWithSignal(up, down).doFinally(signal -> target.dispose());
                });
    }

    private Mono<ByteBuf> delay(ByteBuf bytes) {
        Duration delay = latency;
        Mono<ByteBuf> chunk =
                delay.isZero() ? Mono.just(bytes) : Mono.just(bytes).delayElement(delay);
        return stallReleased.asMono().then(chunk).doOnDiscard(ByteBuf.class, ReferenceCountUtil::safeRelease);
    }

    private static Sinks.Empty<Void> released() {
        Sinks.Empty<Void> sink = Sinks.empty();
        sink.tryEmitEmpty();
        return sink;
    }
}
