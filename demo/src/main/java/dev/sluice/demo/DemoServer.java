package dev.sluice.demo;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.BiFunction;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The demo's HTTP API on Reactor Netty: the route table, and one place that turns errors into {@code
 * application/problem+json} ({@link Problem}; anything unexpected is a {@code 500} whose body names no internals, and
 * the log has the stack trace). Never blocks a Netty thread.
 */
final class DemoServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DemoServer.class);

    private final DisposableServer server;

    private DemoServer(DemoRuntime runtime, String host, int port) {
        AdminAuth admin = new AdminAuth(runtime.settings.adminToken());
        Set<String> subscribers =
                new LinkedHashSet<>(runtime.subscribers.handles().keySet());
        EventRoutes events = new EventRoutes(runtime.bus, runtime.orders);
        DeadLetterRoutes letters = new DeadLetterRoutes(runtime.bus, subscribers, admin);
        OpsRoutes ops = new OpsRoutes(runtime, admin);
        StatusRoutes status = new StatusRoutes(runtime);
        this.server = HttpServer.create()
                .host(host)
                .port(port)
                .route(routes -> routes.post("/events/{type}", guarded(events::publish))
                        .get("/dead-letters", guarded(letters::list))
                        .get("/dead-letters/count", guarded(letters::count))
                        .delete("/dead-letters/{subscriber}", guarded(letters::purge))
                        .post("/dead-letters/{subscriber}/redrive", guarded(letters::redrive))
                        .get("/dead-letters/{subscriber}/{id}", guarded(letters::get))
                        .delete("/dead-letters/{subscriber}/{id}", guarded(letters::delete))
                        .get("/health", guarded(ops::health))
                        .get("/metrics", guarded(ops::metrics))
                        .get("/chaos", guarded(ops::chaos))
                        .post("/chaos", guarded(ops::setChaos))
                        .get("/status", guarded(status::page))
                        .get("/status.json", guarded(status::json))
                        .get("/", guarded(status::page))
                        .get("/status/stream", guarded(status::stream))
                        .route(
                                request -> true,
                                guarded((request, response) -> Mono.error(Problem.notFound("no " + request.method()
                                                + " " + request.fullPath() + "; see GET /status for the API")
                                        .raise()))))
                .bindNow();
    }

    /** Bind the API on {@code host:port} ({@code 0} for a free port). */
    static DemoServer start(DemoRuntime runtime, String host, int port) {
        return new DemoServer(runtime, host, port);
    }

    int port() {
        return server.port();
    }

    String host() {
        return server.host();
    }

    private static BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> guarded(
            BiFunction<HttpServerRequest, HttpServerResponse, Mono<Void>> handler) {
        return (request, response) -> Mono.defer(() -> handler.apply(request, response))
                .onErrorResume(error -> {
                    if (error instanceof Problem.Raised raised) {
                        return raised.problem().send(request, response);
                    }
                    log.error("{} {} failed", request.method(), request.fullPath(), error);
                    return new Problem(
                                    500, "Internal Server Error", "the demo could not handle this request; see its log")
                            .send(request, response);
                });
    }

    /** Wait until the server is closed; for {@code main} only, never on a Reactor or Netty thread. */
    void awaitClose() {
        server.onDispose().block(); // DemoMain's main thread parks here until the server is disposed
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
    }
}
