package dev.sluice.demo;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

/** One HTTP answer as the tests see it, and the Reactor Netty client call that gets it (bounded: 10 s). */
record HttpReply(int status, @Nullable String contentType, String body) {

    static HttpReply call(int port, String method, String path) {
        return call(port, method, path, null, null, null);
    }

    static HttpReply call(
            int port,
            String method,
            String path,
            @Nullable String contentType,
            @Nullable String body,
            @Nullable String token) {
        HttpClient client = HttpClient.create().headers(h -> {
            if (contentType != null) {
                h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
            }
            if (token != null) {
                h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
            }
        });
        return client.request(HttpMethod.valueOf(method))
                .uri("http://127.0.0.1:" + port + path)
                .send(body == null ? ByteBufFlux.fromString(Mono.empty()) : ByteBufFlux.fromString(Mono.just(body)))
                .responseSingle((response, content) -> content.asString()
                        .defaultIfEmpty("")
                        .map(text -> new HttpReply(
                                response.status().code(),
                                response.responseHeaders().get(HttpHeaderNames.CONTENT_TYPE),
                                text)))
                .block(Duration.ofSeconds(10));
    }
}
