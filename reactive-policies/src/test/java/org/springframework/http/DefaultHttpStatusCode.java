package org.springframework.http;

/** Like Spring's: package-private, used for status codes without an {@code HttpStatus} constant (e.g. 520). */
final class DefaultHttpStatusCode implements HttpStatusCode {

    private final int value;

    DefaultHttpStatusCode(int value) {
        this.value = value;
    }

    @Override
    public int value() {
        return value;
    }
}
