package dev.sluice.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * An RFC 9457 problem: every error the API answers, as {@code application/problem+json}. The detail says what was
 * wrong with the request in words; it never carries a stack trace.
 *
 * @param status the HTTP status
 * @param title a short summary of the kind of problem
 * @param detail what exactly was wrong
 */
record Problem(int status, String title, String detail) {

    static final String CONTENT_TYPE = "application/problem+json";

    /** A problem the caller may signal from deep in a handler; {@link DemoServer} turns it into the response. */
    static final class Raised extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Problem problem;

        Raised(Problem problem) {
            super(problem.detail(), null, false, false);
            this.problem = problem;
        }

        Problem problem() {
            return problem;
        }
    }

    static Problem badRequest(String detail) {
        return new Problem(400, "Bad Request", detail);
    }

    static Problem notFound(String detail) {
        return new Problem(404, "Not Found", detail);
    }

    Raised raise() {
        return new Raised(this);
    }

    Mono<Void> send(HttpServerRequest request, HttpServerResponse response) {
        ObjectNode body = Json.object()
                .put("type", "about:blank")
                .put("title", title)
                .put("status", status)
                .put("detail", detail)
                .put("instance", request.fullPath());
        HttpServerResponse r =
                response.status(HttpResponseStatus.valueOf(status)).header(HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE);
        if (status == 401) {
            r = r.header(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"sluice-demo\"");
        }
        return r.sendString(Mono.just(body.toString())).then();
    }
}
