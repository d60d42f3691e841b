package dev.sluice.policy;

import dev.sluice.policy.internal.StandardErrorClassifier;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Decides what a failure says about the dependency: {@link ErrorClass#RETRYABLE}, {@link ErrorClass#PERMANENT} or
 * {@link ErrorClass#IGNORED}. Implementations must be thread-safe, fast, and never throw.
 *
 * <p>The {@linkplain #standard() standard classifier} follows docs/DESIGN.md "Error classification":
 *
 * <ul>
 *   <li>retryable: timeouts (any exception whose class, or a superclass, has a simple name ending in
 *       {@code TimeoutException}), {@link java.io.IOException} (connect errors included), HTTP {@code 429} and
 *       {@code 5xx} ({@link HttpStatusException} or Spring's {@code WebClientResponseException});
 *   <li>ignored: other HTTP {@code 4xx}, {@link IllegalArgumentException}, validation errors (a class named
 *       {@code ValidationException} or {@code ConstraintViolationException}), and the rejections of resilience4j
 *       ({@code CallNotPermittedException}, {@code BulkheadFullException}, {@code RequestNotPermitted});
 *   <li>permanent: anything else.
 * </ul>
 *
 * Overrides take precedence and match the most specific class first: {@code
 * ErrorClassifier.builder().permanent(SocketTimeoutException.class).build()}.
 */
@FunctionalInterface
public interface ErrorClassifier {

    /**
     * Classify {@code error}.
     *
     * @param error the failure of one attempt, never null
     * @return its class, never null
     */
    ErrorClass classify(Throwable error);

    /** Return the standard classifier; stateless and shared. */
    static ErrorClassifier standard() {
        return StandardErrorClassifier.INSTANCE;
    }

    /** Return a builder of overrides on top of the standard classifier. */
    static Builder builder() {
        return new Builder();
    }

    /** Builds a classifier from per-type overrides, falling back to the standard rules. Not thread-safe. */
    final class Builder {

        private final Map<Class<? extends Throwable>, ErrorClass> overrides = new LinkedHashMap<>();

        private Builder() {}

        /** Classify {@code type} and its subclasses as {@code errorClass}, unless a more specific override says else. */
        public Builder classify(Class<? extends Throwable> type, ErrorClass errorClass) {
            overrides.put(Objects.requireNonNull(type, "type"), Objects.requireNonNull(errorClass, "errorClass"));
            return this;
        }

        /** Shorthand for {@code classify(type, RETRYABLE)}. */
        public Builder retryable(Class<? extends Throwable> type) {
            return classify(type, ErrorClass.RETRYABLE);
        }

        /** Shorthand for {@code classify(type, PERMANENT)}. */
        public Builder permanent(Class<? extends Throwable> type) {
            return classify(type, ErrorClass.PERMANENT);
        }

        /** Shorthand for {@code classify(type, IGNORED)}. */
        public Builder ignored(Class<? extends Throwable> type) {
            return classify(type, ErrorClass.IGNORED);
        }

        /** Build the classifier; the builder may be reused. */
        public ErrorClassifier build() {
            return StandardErrorClassifier.withOverrides(Map.copyOf(overrides));
        }
    }
}
