package dev.sluice.spring.app;

import dev.sluice.testsupport.BlockHoundProbe;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.test.StepVerifier;

/** Guards against the application tests running without BlockHound: a sleep on a parallel thread must be reported. */
class BlockHoundSmokeTest {

    @Test
    void blockingCallOnParallelThreadIsReported() {
        StepVerifier.create(BlockHoundProbe.blockOnParallelThread())
                .expectError(BlockingOperationError.class)
                .verify(Duration.ofSeconds(10));
    }
}
