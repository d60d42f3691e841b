package dev.sluice.policy.internal;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

class WheelSchedulerTest {

    @Test
    void aTimerArmedAfterTheSchedulersFactoryWasResetStillFires() {
        WheelScheduler wheel = WheelScheduler.shared();
        fires(wheel); // the wheel and Schedulers.parallel() are in use
        // shuts the cached Schedulers.parallel() down (as a test or an application replacing the factory does): a
        // wheel that kept the old one would hand every expired timer to a dead scheduler, and the timer would be lost
        Schedulers.resetFactory();
        fires(wheel);
    }

    private static void fires(WheelScheduler wheel) {
        Sinks.Empty<Void> fired = Sinks.empty();
        wheel.schedule(fired::tryEmitEmpty, 10, TimeUnit.MILLISECONDS);
        StepVerifier.create(Mono.firstWithSignal(fired.asMono()))
                .expectComplete()
                .verify(Duration.ofSeconds(10));
    }
}
