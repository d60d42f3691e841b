package dev.sluice.testsupport;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that gives a test a real Redis as a {@link TestRedis} parameter.
 *
 * <p>If the environment variable {@value #URL_VARIABLE} is set (a Redis URI such as {@code redis://host:6379/0}) that
 * server is used and never flushed; otherwise an embedded Redis ({@code com.github.codemonstur:embedded-redis}, Redis
 * 6.2 on Linux) is started on a free loopback port once per test JVM, with persistence off and its files under
 * {@code target/embedded-redis}, and stopped when the JVM's tests end. A server older than 6.2 fails the test at once
 * with a message naming its version.
 *
 * <p>Each resolved {@link TestRedis} has its own key prefix; the keys under it are deleted when the test (or, for a
 * constructor or {@code @BeforeAll} parameter, the class) ends. Usage:
 *
 * <pre>{@code
 * @ExtendWith(RedisExtension.class)
 * class StoreIntegrationTest {
 *     @Test
 *     void writes(TestRedis redis) { ... redis.client() ... redis.key("stream") ... }
 * }
 * }</pre>
 */
public final class RedisExtension implements ParameterResolver {

    /** Environment variable naming an external Redis to use instead of the embedded one. */
    public static final String URL_VARIABLE = "SLUICE_TEST_REDIS_URL";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RedisExtension.class);
    private static final AtomicLong PREFIXES = new AtomicLong();

    /** Create the extension; JUnit calls this. */
    public RedisExtension() {}

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == TestRedis.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        SharedRedis shared = extensionContext
                .getRoot()
                .getStore(NAMESPACE)
                .getOrComputeIfAbsent(
                        SharedRedis.class, key -> SharedRedis.start(System.getenv(URL_VARIABLE)), SharedRedis.class);
        String prefix = "sluice-test:" + ProcessHandle.current().pid() + ":" + PREFIXES.incrementAndGet() + ":";
        TestRedis redis = new TestRedis(shared, prefix);
        // closed by JUnit when this test (or class) ends: deletes the prefix's keys, closes its connections
        extensionContext.getStore(NAMESPACE).put(prefix, redis);
        return redis;
    }
}
