package dev.sluice.demo;

import io.netty.handler.codec.http.HttpHeaderNames;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.jspecify.annotations.Nullable;
import reactor.netty.http.server.HttpServerRequest;

/**
 * Guards the admin endpoints ({@code /chaos}, redrive, delete): when {@code SLUICE_ADMIN_TOKEN} is set they require
 * {@code Authorization: Bearer <token>}, compared in constant time; when it is not set they are open (the demo binds
 * to loopback by default).
 */
final class AdminAuth {

    private final byte @Nullable [] token;

    AdminAuth(@Nullable String token) {
        this.token = token == null || token.isBlank() ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Check {@code request}.
     *
     * @throws Problem.Raised {@code 401} if a token is required and the request lacks it or has another
     */
    void check(HttpServerRequest request) {
        byte[] expected = token;
        if (expected == null) {
            return;
        }
        String header = request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new Problem(
                            401, "Unauthorized", "this admin endpoint needs Authorization: Bearer <SLUICE_ADMIN_TOKEN>")
                    .raise();
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(expected, given)) {
            throw new Problem(401, "Unauthorized", "the bearer token is not the admin token").raise();
        }
    }
}
