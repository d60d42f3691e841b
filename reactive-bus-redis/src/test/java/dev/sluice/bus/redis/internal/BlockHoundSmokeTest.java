package dev.sluice.bus.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.BlockHoundProbe;
import java.time.Duration;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.blockhound.integration.BlockHoundIntegration;
import reactor.test.StepVerifier;

/**
 * Guards against a test JVM running without BlockHound (a sleep on a parallel thread must be reported) or without this
 * module's allowances (ServiceLoader must find its integration).
 */
class BlockHoundSmokeTest {

    @Test
    void blockingCallOnParallelThreadIsReported() {
        StepVerifier.create(BlockHoundProbe.blockOnParallelThread())
                .expectError(BlockingOperationError.class)
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void serviceLoaderFindsTheRedisIntegration() {
        var found = ServiceLoader.load(BlockHoundIntegration.class).stream()
                .map(ServiceLoader.Provider::type)
                .toList();

        assertThat(found).contains(RedisBlockHoundIntegration.class);
    }
}
