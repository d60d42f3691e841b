package dev.sluice.policy.internal;

import dev.sluice.policy.HttpStatusException;
import java.lang.reflect.Method;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Reads the HTTP status and {@code Retry-After} of an error: {@link HttpStatusException}, or Spring's
 * {@code WebClientResponseException} recognised by name and read through its public accessors
 * ({@code getStatusCode().value()}, {@code getHeaders().getFirst("Retry-After")}), so Spring is never a dependency.
 * Runs only on failure; reflection results are cached per class.
 */
public final class HttpErrors {

    private static final String SPRING_TYPE =
            "org.springframework.web.reactive.function.client.WebClientResponseException";

    private static final ClassValue<@Nullable Method[]> SPRING_ACCESSORS = new ClassValue<>() {
        @Override
        protected Method @Nullable [] computeValue(Class<?> type) {
            for (Class<?> c = type; c != null; c = c.getSuperclass()) {
                if (c.getName().equals(SPRING_TYPE)) {
                    try {
                        Method status = c.getMethod("getStatusCode");
                        Method headers = c.getMethod("getHeaders");
                        // through the declared (public) return types: the runtime class may be package-private,
                        // as Spring's DefaultHttpStatusCode is for codes without an HttpStatus constant
                        return new Method[] {
                            status,
                            headers,
                            status.getReturnType().getMethod("value"),
                            headers.getReturnType().getMethod("getFirst", String.class)
                        };
                    } catch (NoSuchMethodException e) {
                        return null;
                    }
                }
            }
            return null;
        }
    };

    private HttpErrors() {}

    /** Return the HTTP status of {@code error}, or -1 when it carries none. */
    public static int status(Throwable error) {
        if (error instanceof HttpStatusException http) {
            return http.status();
        }
        Method[] accessors = SPRING_ACCESSORS.get(error.getClass());
        if (accessors == null) {
            return -1;
        }
        try {
            Object code = accessors[0].invoke(error);
            return code == null ? -1 : (int) accessors[2].invoke(code);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return -1;
        }
    }

    /** Return the {@code Retry-After} of {@code error} (seconds form only, for Spring), or null. */
    public static @Nullable Duration retryAfter(Throwable error) {
        if (error instanceof HttpStatusException http) {
            return http.retryAfter();
        }
        Method[] accessors = SPRING_ACCESSORS.get(error.getClass());
        if (accessors == null) {
            return null;
        }
        try {
            Object headers = accessors[1].invoke(error);
            Object value = headers == null ? null : accessors[3].invoke(headers, "Retry-After");
            return value == null
                    ? null
                    : Duration.ofSeconds(Long.parseLong(value.toString().trim()));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // an HTTP-date or malformed header: no minimum backoff
        }
    }
}
