package dev.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RequestNotPermitted;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ErrorClassifierTest {

    private final ErrorClassifier standard = ErrorClassifier.standard();

    /** A timeout type of some client library, recognised by its name only. */
    static final class ReadTimeoutException extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    /** A validation failure of some framework, recognised by its name only. */
    static final class ValidationException extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    @Test
    void timeoutsIoAndConnectErrorsAreRetryable() {
        assertThat(standard.classify(new PolicyTimeoutException("p", Duration.ofMillis(1))))
                .isEqualTo(ErrorClass.RETRYABLE);
        assertThat(standard.classify(new TimeoutException())).isEqualTo(ErrorClass.RETRYABLE);
        assertThat(standard.classify(new ReadTimeoutException())).isEqualTo(ErrorClass.RETRYABLE);
        assertThat(standard.classify(new IOException())).isEqualTo(ErrorClass.RETRYABLE);
        assertThat(standard.classify(new ConnectException())).isEqualTo(ErrorClass.RETRYABLE);
        assertThat(standard.classify(new SocketTimeoutException())).isEqualTo(ErrorClass.RETRYABLE);
    }

    @ParameterizedTest
    @ValueSource(ints = {429, 500, 502, 503, 504, 599})
    void tooManyRequestsAndServerErrorsAreRetryable(int status) {
        assertThat(standard.classify(new HttpStatusException(status))).isEqualTo(ErrorClass.RETRYABLE);
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 403, 404, 409, 422})
    void clientErrorsOtherThan429AreIgnored(int status) {
        assertThat(standard.classify(new HttpStatusException(status))).isEqualTo(ErrorClass.IGNORED);
    }

    @Test
    void badArgumentsValidationAndRejectionsAreIgnored() {
        assertThat(standard.classify(new IllegalArgumentException())).isEqualTo(ErrorClass.IGNORED);
        assertThat(standard.classify(new ValidationException())).isEqualTo(ErrorClass.IGNORED);
        assertThat(standard.classify(
                        CallNotPermittedException.createCallNotPermittedException(CircuitBreaker.ofDefaults("b"))))
                .isEqualTo(ErrorClass.IGNORED);
        assertThat(standard.classify(BulkheadFullException.createBulkheadFullException(Bulkhead.ofDefaults("b"))))
                .isEqualTo(ErrorClass.IGNORED);
        assertThat(standard.classify(RequestNotPermitted.createRequestNotPermitted(RateLimiter.ofDefaults("r"))))
                .isEqualTo(ErrorClass.IGNORED);
    }

    @Test
    void anythingElseIsPermanent() {
        assertThat(standard.classify(new IllegalStateException())).isEqualTo(ErrorClass.PERMANENT);
        assertThat(standard.classify(new NullPointerException())).isEqualTo(ErrorClass.PERMANENT);
        assertThat(standard.classify(new UncheckedIOException(new IOException())))
                .isEqualTo(ErrorClass.PERMANENT);
        assertThat(standard.classify(new HttpStatusException(302))).isEqualTo(ErrorClass.PERMANENT);
    }

    @Test
    void overrideWinsOverTheStandardRuleForItsTypeOnly() {
        ErrorClassifier classifier = ErrorClassifier.builder()
                .permanent(SocketTimeoutException.class)
                .build();

        assertThat(classifier.classify(new SocketTimeoutException())).isEqualTo(ErrorClass.PERMANENT);
        assertThat(classifier.classify(new ConnectException())).isEqualTo(ErrorClass.RETRYABLE);
        assertThat(classifier.classify(new HttpStatusException(503))).isEqualTo(ErrorClass.RETRYABLE);
    }

    @Test
    void mostSpecificOverrideWinsWhateverTheOrderOfRegistration() {
        ErrorClassifier broadFirst = ErrorClassifier.builder()
                .ignored(IOException.class)
                .retryable(FileNotFoundException.class)
                .build();
        ErrorClassifier specificFirst = ErrorClassifier.builder()
                .retryable(FileNotFoundException.class)
                .ignored(IOException.class)
                .build();

        assertThat(broadFirst.classify(new FileNotFoundException())).isEqualTo(ErrorClass.RETRYABLE);
        assertThat(specificFirst.classify(new FileNotFoundException())).isEqualTo(ErrorClass.RETRYABLE);
        assertThat(broadFirst.classify(new ConnectException())).isEqualTo(ErrorClass.IGNORED);
        assertThat(specificFirst.classify(new ConnectException())).isEqualTo(ErrorClass.IGNORED);
    }

    @Test
    void overrideCanMakeAStandardIgnoredErrorRetryable() {
        ErrorClassifier classifier = ErrorClassifier.builder()
                .retryable(IllegalArgumentException.class)
                .build();

        assertThat(classifier.classify(new NumberFormatException())).isEqualTo(ErrorClass.RETRYABLE);
        assertThat(classifier.classify(new HttpStatusException(404))).isEqualTo(ErrorClass.IGNORED);
    }

    @Test
    void builderWithoutOverridesGivesTheStandardRules() {
        assertThat(ErrorClassifier.builder().build()).isSameAs(ErrorClassifier.standard());
    }
}
