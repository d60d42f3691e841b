package dev.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.internal.HttpErrors;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.client.WebClientResponseException;

/** Spring's WebClientResponseException, recognised by name through a same-shaped stand-in in test sources. */
class SpringResponseClassificationTest {

    @Test
    void serverErrorIsRetryableWithItsRetryAfterInSeconds() {
        WebClientResponseException error =
                new WebClientResponseException(503, new HttpHeaders().with("Retry-After", "7"));

        assertThat(ErrorClassifier.standard().classify(error)).isEqualTo(ErrorClass.RETRYABLE);
        assertThat(HttpErrors.retryAfter(error)).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void clientErrorIsIgnored() {
        WebClientResponseException error = new WebClientResponseException(404, new HttpHeaders());

        assertThat(ErrorClassifier.standard().classify(error)).isEqualTo(ErrorClass.IGNORED);
        assertThat(HttpErrors.retryAfter(error)).isNull();
    }

    @Test
    void httpDateRetryAfterIsNoMinimumBackoff() {
        WebClientResponseException error = new WebClientResponseException(
                503, new HttpHeaders().with("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"));

        assertThat(HttpErrors.retryAfter(error)).isNull();
        assertThat(ErrorClassifier.standard().classify(error)).isEqualTo(ErrorClass.RETRYABLE);
    }
}
