package org.springframework.http;

/** Test stand-in with the shape of Spring's {@code HttpStatusCode}: a public interface, a package-private impl. */
public interface HttpStatusCode {

    int value();

    static HttpStatusCode valueOf(int code) {
        return new DefaultHttpStatusCode(code);
    }
}
