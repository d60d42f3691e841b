package dev.sluice.policy.internal;

import dev.sluice.policy.ErrorClass;
import dev.sluice.policy.ErrorClassifier;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.ratelimiter.RequestNotPermitted;
import java.io.IOException;
import java.util.Map;

/** The rules of docs/DESIGN.md "Error classification", with optional per-type overrides. Immutable. */
public final class StandardErrorClassifier implements ErrorClassifier {

    /** The rules without overrides. */
    public static final StandardErrorClassifier INSTANCE = new StandardErrorClassifier(Map.of());

    private final Map<Class<? extends Throwable>, ErrorClass> overrides;

    private StandardErrorClassifier(Map<Class<? extends Throwable>, ErrorClass> overrides) {
        this.overrides = overrides;
    }

    /** Return the standard rules under {@code overrides} (most specific class wins). */
    public static ErrorClassifier withOverrides(Map<Class<? extends Throwable>, ErrorClass> overrides) {
        return overrides.isEmpty() ? INSTANCE : new StandardErrorClassifier(overrides);
    }

    @Override
    public ErrorClass classify(Throwable error) {
        if (!overrides.isEmpty()) {
            for (Class<?> type = error.getClass(); type != null; type = type.getSuperclass()) {
                ErrorClass override = overrides.get(type);
                if (override != null) {
                    return override;
                }
            }
        }
        return standard(error);
    }

    private static ErrorClass standard(Throwable error) {
        if (error instanceof CallNotPermittedException
                || error instanceof BulkheadFullException
                || error instanceof RequestNotPermitted
                || error instanceof IllegalArgumentException) {
            return ErrorClass.IGNORED;
        }
        if (error instanceof IOException) {
            return ErrorClass.RETRYABLE;
        }
        int status = HttpErrors.status(error);
        if (status >= 0) {
            if (status == 429 || status >= 500) {
                return ErrorClass.RETRYABLE;
            }
            return status >= 400 ? ErrorClass.IGNORED : ErrorClass.PERMANENT;
        }
        for (Class<?> type = error.getClass(); type != null; type = type.getSuperclass()) {
            String name = type.getSimpleName();
            if (name.endsWith("TimeoutException")) {
                return ErrorClass.RETRYABLE;
            }
            if (name.equals("ValidationException") || name.equals("ConstraintViolationException")) {
                return ErrorClass.IGNORED;
            }
        }
        return ErrorClass.PERMANENT;
    }
}
