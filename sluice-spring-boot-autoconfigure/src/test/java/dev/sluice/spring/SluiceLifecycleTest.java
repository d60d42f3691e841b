package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.BusClosedException;
import dev.sluice.bus.EventBus;
import dev.sluice.bus.EventType;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import reactor.core.publisher.Mono;

class SluiceLifecycleTest {

    static final EventType<String> PROBE = EventType.of("probe.checked", String.class);

    @Test
    void busClosesAfterTheWebServersGracefulShutdownAndBeforeTheRedisConnectionFactory() {
        List<String> stops = new CopyOnWriteArrayList<>();
        int graceful = WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE;
        int redis = new LettuceConnectionFactory().getPhase();
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(SluiceAutoConfiguration.class))
                .withPropertyValues("sluice.dead-letters.store=in-memory")
                .withBean("probe", EventType.class, () -> PROBE)
                .withBean("gracefulShutdown", Recorder.class, graceful, "web server graceful shutdown", stops)
                .withBean("redisConnectionFactory", Recorder.class, redis, "redis connection factory", stops)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    context.getBeansOfType(Recorder.class)
                            .values()
                            .forEach(r -> r.bus = context.getBean(EventBus.class));

                    context.close();

                    assertThat(stops)
                            .containsExactly(
                                    "web server graceful shutdown: bus open", "redis connection factory: bus closed");
                });
    }

    @Test
    void closeTimeoutIsThePhaseLessTheMarginAndAtLeastHalfThePhase() {
        assertThat(SluiceLifecycle.closeTimeout(Duration.ofSeconds(30), Duration.ofSeconds(2)))
                .isEqualTo(Duration.ofSeconds(28));
        assertThat(SluiceLifecycle.closeTimeout(Duration.ofSeconds(3), Duration.ofSeconds(2)))
                .isEqualTo(Duration.ofMillis(1500));
        assertThat(SluiceLifecycle.PHASE).isLessThan(WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE);
    }

    /** Records, when stopped, whether the bus still takes publishes. */
    static final class Recorder implements SmartLifecycle {
        private final int phase;
        private final String name;
        private final List<String> stops;
        volatile EventBus bus;
        private volatile boolean running;

        Recorder(int phase, String name, List<String> stops) {
            this.phase = phase;
            this.name = name;
            this.stops = stops;
        }

        @Override
        public void start() {
            running = true;
        }

        @Override
        public void stop() {
            // the closing (test) thread, where blocking is allowed
            boolean closed = bus.publish(PROBE, "probe")
                    .thenReturn(false)
                    .onErrorResume(BusClosedException.class, e -> Mono.just(true))
                    .block(Duration.ofSeconds(10));
            stops.add(name + ": bus " + (closed ? "closed" : "open"));
            running = false;
        }

        @Override
        public boolean isRunning() {
            return running;
        }

        @Override
        public int getPhase() {
            return phase;
        }
    }
}
