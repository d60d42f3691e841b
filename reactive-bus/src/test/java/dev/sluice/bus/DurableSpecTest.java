package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.bus.internal.WorstCase;
import dev.sluice.policy.ResiliencePolicy;
import dev.sluice.policy.RetrySettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** What a durable subscriber's spec refuses, and the worst-case attempt its transport is told. */
class DurableSpecTest {

    private static final EventType<String> IN_PROCESS = EventType.of("order.placed", String.class);

    private static SubscriberSpec.Builder<Tick> durable() {
        return SubscriberSpec.builder("clock", Tick.DURABLE, e -> Mono.empty());
    }

    @Test
    void refusesOverflow() {
        assertThatThrownBy(() -> durable().overflow(OverflowPolicy.DEAD_LETTER).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("subscriber 'clock' of durable event type 'clock.ticked' sets overflow, but a"
                        + " durable subscriber has no overflow and never makes a publish wait");
    }

    @Test
    void refusesMaxPublishWait() {
        assertThatThrownBy(() -> durable().maxPublishWait(Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sets maxPublishWait")
                .hasMessageContaining("its partition streams are its buffer");
    }

    @Test
    void refusesAPolicyWithNeitherTimeoutNorDeadline() {
        ResiliencePolicy unbounded =
                ResiliencePolicy.builder("unbounded").retry(3).build();

        assertThatThrownBy(() -> durable().policy(unbounded).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("subscriber 'clock' of durable event type 'clock.ticked' needs a policy with a timeout or a"
                        + " deadline, but policy 'unbounded' has neither: a new owner of a partition taken over from a"
                        + " dead instance waits out the worst-case attempt time before it starts a handler, and that"
                        + " wait needs a bound");
    }

    @Test
    void refusesDurableOptionsForAnInProcessType() {
        var builder = SubscriberSpec.<String>builder("email", IN_PROCESS, e -> Mono.empty());

        assertThatThrownBy(() -> builder.startFrom(StartPosition.OLDEST).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("subscriber 'email' sets startFrom, which applies to durable types only, but event type"
                        + " 'order.placed' is in-process");
        assertThatThrownBy(() -> SubscriberSpec.<String>builder("email", IN_PROCESS, e -> Mono.empty())
                        .deliveryLimit(2)
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sets deliveryLimit");
    }

    @Test
    void refusesADeliveryLimitBelowOne() {
        assertThatThrownBy(() -> durable().deliveryLimit(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("deliveryLimit must be >= 1, but was 0");
    }

    @Test
    void worstCaseIsTheDeadlineIfSetElseEveryAttemptAndBackoff() {
        RetrySettings retry = RetrySettings.builder()
                .maxAttempts(3)
                .maxBackoff(Duration.ofSeconds(2))
                .build();
        ResiliencePolicy timed = ResiliencePolicy.builder("timed")
                .timeout(Duration.ofSeconds(1))
                .retry(retry)
                .build();
        ResiliencePolicy deadlined = ResiliencePolicy.builder("deadlined")
                .timeout(Duration.ofSeconds(1))
                .retry(retry)
                .deadline(Duration.ofSeconds(4))
                .build();

        assertThat(WorstCase.of(timed)).isEqualTo(Duration.ofSeconds(3 + 2 * 2));
        assertThat(WorstCase.of(deadlined)).isEqualTo(Duration.ofSeconds(4));
        assertThat(WorstCase.of(ResiliencePolicy.builder("none").build())).isNull();
    }

    @Test
    void theTransportIsToldTheStartAndTheWorstCase() {
        FakeTransport transport = new FakeTransport();
        EventBus bus = EventBus.builder().transport(transport).build();

        bus.subscribe(durable()
                .startFrom(StartPosition.OLDEST)
                .policy(ResiliencePolicy.builder("p")
                        .deadline(Duration.ofSeconds(9))
                        .build())
                .build());

        var spec = transport.consumer("clock").spec;
        assertThat(spec.start()).isEqualTo(StartPosition.OLDEST);
        assertThat(spec.worstCaseAttempt()).isEqualTo(Duration.ofSeconds(9));
        assertThat(spec.type()).isEqualTo(Tick.DURABLE);
        bus.close().block(Until.GUARD);
    }
}
