package dev.sluice.spring.app;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/** The shop's downstream service: a Reactor Netty server on port 0 that answers 503 while failing. */
final class Downstream implements AutoCloseable {

    final List<String> received = new CopyOnWriteArrayList<>();
    final AtomicBoolean failing = new AtomicBoolean();
    private final DisposableServer server;

    private Downstream(Duration latency) {
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                .route(routes -> routes.post("/reserve", (request, response) -> request.receive()
                        .aggregate()
                        .asString()
                        .delayElement(latency)
                        .flatMap(body -> {
                            if (failing.get()) {
                                return response.status(503).send().then();
                            }
                            received.add(body);
                            return response.status(200).send().then();
                        })))
                .bindNow(Duration.ofSeconds(10));
    }

    static Downstream start(Duration latency) {
        return new Downstream(latency);
    }

    String url() {
        return "http://127.0.0.1:" + server.port();
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
    }
}
