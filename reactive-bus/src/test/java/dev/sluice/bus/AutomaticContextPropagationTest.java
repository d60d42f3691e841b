package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.context.ContextRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Issue 16, step 1, with Reactor's automatic context propagation on (what Spring Boot's {@code
 * spring.reactor.context-propagation=auto} does; Sluice never turns it on itself): an asynchronous handler sees the
 * publisher's thread locals on whatever thread its operators run, because the bus puts them into the handler's Reactor
 * {@code Context}. The hook and the accessor are global, so they are set for this class only and removed after.
 */
class AutomaticContextPropagationTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);
    private static final ThreadLocal<String> TENANT = new ThreadLocal<>();
    private static final String TENANT_KEY = "test.auto.tenant";

    private @Nullable EventBus bus;

    @BeforeEach
    void enable() {
        ContextRegistry.getInstance().registerThreadLocalAccessor(TENANT_KEY, TENANT);
        Hooks.enableAutomaticContextPropagation();
    }

    @AfterEach
    void disable() {
        try {
            if (bus != null) {
                StepVerifier.create(bus.close(Duration.ofSeconds(5))).verifyComplete();
            }
        } finally {
            Hooks.disableAutomaticContextPropagation();
            ContextRegistry.getInstance().removeThreadLocalAccessor(TENANT_KEY);
            TENANT.remove();
        }
    }

    @Test
    void anAsyncHandlerSeesThePublishersThreadLocalsOnTheThreadItsTimerCompletesOn() {
        List<@Nullable String> seen = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        EventBus created = EventBus.builder().build(); // the default registry: the one Reactor's hook reads
        bus = created;
        created.subscribe(SubscriberSpec.builder(
                        "audit", PLACED, e -> Mono.delay(Duration.ofMillis(1)).doOnNext(tick -> {
                            seen.add(TENANT.get());
                            threads.add(Thread.currentThread().getName());
                        }))
                .build());

        TENANT.set("acme");
        StepVerifier.create(created.publish(PLACED, "o-1")).expectNextCount(1).verifyComplete();
        TENANT.remove();
        StepVerifier.create(created.whenIdle()).verifyComplete();

        assertThat(seen).containsExactly("acme");
        assertThat(threads).singleElement().asString().doesNotContain("main");
    }
}
