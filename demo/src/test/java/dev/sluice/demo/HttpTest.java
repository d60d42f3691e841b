package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HttpTest {

    @Test
    void acceptsJsonMediaTypesWithParameters() {
        assertThat(Http.isJson("application/json")).isTrue();
        assertThat(Http.isJson("Application/JSON; charset=utf-8")).isTrue();
        assertThat(Http.isJson("application/merge-patch+json")).isTrue();
    }

    @Test
    void rejectsOtherMediaTypes() {
        assertThat(Http.isJson(null)).isFalse();
        assertThat(Http.isJson("text/plain")).isFalse();
        assertThat(Http.isJson("application/x-www-form-urlencoded")).isFalse();
    }
}
