package dev.sluice.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SynchronousSink;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/** Small request and response helpers shared by the routes: JSON bodies with a size limit, query parameters. */
final class Http {

    /** Largest request body accepted: 64 KiB. */
    static final int MAX_BODY_BYTES = 64 * 1024;

    private Http() {}

    /**
     * Read the request body as JSON, checking first that it is declared as JSON and not larger than {@link
     * #MAX_BODY_BYTES} (by {@code Content-Length} before reading, and by counting while reading a chunked body).
     *
     * @return the body; or {@link Problem.Raised}: {@code 400} for another content type or malformed JSON, {@code
     *     413} for a body too large
     */
    static Mono<JsonNode> jsonBody(HttpServerRequest request) {
        String type = request.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE);
        if (!isJson(type)) {
            return Mono.error(Problem.badRequest("Content-Type must be application/json, but was "
                            + (type == null ? "missing" : "'" + type + "'"))
                    .raise());
        }
        String length = request.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
        if (length != null && parseLong(length) > MAX_BODY_BYTES) {
            return Mono.error(tooLarge().raise());
        }
        AtomicLong size = new AtomicLong();
        return request.receive()
                .<byte[]>handle((ByteBuf buf, SynchronousSink<byte[]> sink) -> {
                    if (size.addAndGet(buf.readableBytes()) > MAX_BODY_BYTES) {
                        sink.error(tooLarge().raise());
                        return;
                    }
                    byte[] bytes = new byte[buf.readableBytes()];
                    buf.readBytes(bytes);
                    sink.next(bytes);
                })
                .collect(ByteArrayOutputStream::new, (out, bytes) -> out.write(bytes, 0, bytes.length))
                .map(out -> {
                    byte[] bytes = out.toByteArray();
                    if (bytes.length == 0) {
                        throw Problem.badRequest("the body is empty; a JSON object is required")
                                .raise();
                    }
                    try {
                        return Json.MAPPER.readTree(bytes);
                    } catch (IOException e) {
                        throw Problem.badRequest("malformed JSON: " + firstLine(e))
                                .raise();
                    }
                });
    }

    static boolean isJson(@Nullable String contentType) {
        if (contentType == null) {
            return false;
        }
        String media = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return media.equals("application/json") || (media.startsWith("application/") && media.endsWith("+json"));
    }

    /** Return the first value of query parameter {@code name}, or null. */
    static @Nullable String query(HttpServerRequest request, String name) {
        Map<String, List<String>> params = new QueryStringDecoder(request.uri()).parameters();
        List<String> values = params.get(name);
        return values == null || values.isEmpty() || values.get(0).isBlank() ? null : values.get(0);
    }

    /** Return query parameter {@code name} as an int in {@code min..max}, {@code fallback} if absent. */
    static int intQuery(HttpServerRequest request, String name, int fallback, int min, int max) {
        String value = query(request, name);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < min || parsed > max) {
                throw new NumberFormatException();
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw Problem.badRequest(name + " must be a number in " + min + ".." + max + ", but was '" + value + "'")
                    .raise();
        }
    }

    static boolean booleanQuery(HttpServerRequest request, String name) {
        String value = query(request, name);
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw Problem.badRequest(name + " must be true or false, but was '" + value + "'")
                .raise();
    }

    static Mono<Void> sendJson(HttpServerResponse response, HttpResponseStatus status, Object json) {
        return response.status(status)
                .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .sendString(Mono.just(json instanceof JsonNode node ? node.toString() : Json.write(json)))
                .then();
    }

    private static Problem tooLarge() {
        return new Problem(413, "Content Too Large", "the body must be at most " + MAX_BODY_BYTES + " bytes");
    }

    private static long parseLong(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw Problem.badRequest("Content-Length must be a number, but was '" + value + "'")
                    .raise();
        }
    }

    private static String firstLine(Exception e) {
        String message = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        return message == null
                ? e.getClass().getSimpleName()
                : message.lines().findFirst().orElse(message);
    }
}
