package org.springframework.http;

import java.util.HashMap;
import java.util.Map;

/** Test stand-in for Spring's {@code HttpHeaders}: only {@code getFirst}. */
public class HttpHeaders {

    private final Map<String, String> values = new HashMap<>();

    public HttpHeaders with(String name, String value) {
        values.put(name, value);
        return this;
    }

    public String getFirst(String name) {
        return values.get(name);
    }
}
