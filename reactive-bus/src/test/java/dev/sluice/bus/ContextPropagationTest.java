package dev.sluice.bus;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.integration.Slf4jThreadLocalAccessor;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.util.context.Context;

/**
 * Issue 16, step 1: what a publisher's context a handler sees. A registry of the test's own holds a plain thread local
 * (the tenant) and an MDC accessor (the key {@code user}); the bus delivers on one thread of its own, so that thread
 * can be looked at after the handlers ran.
 */
class ContextPropagationTest {

    private static final EventType<String> PLACED = EventType.of("order.placed", String.class);
    private static final EventType<String> SHIPPED = EventType.of("order.shipped", String.class);
    private static final ThreadLocal<String> TENANT = new ThreadLocal<>();
    private static final String TENANT_KEY = "test.tenant";

    private final ContextRegistry registry = new ContextRegistry()
            .loadContextAccessors() // Reactor's Context accessor
            .registerThreadLocalAccessor(TENANT_KEY, TENANT)
            .registerThreadLocalAccessor(new Slf4jThreadLocalAccessor("user"));
    private final Scheduler delivery = Schedulers.newSingle("delivery");
    private final EventBus bus = EventBus.builder()
            .contextRegistry(registry)
            .deliveryScheduler(delivery)
            .build();

    @AfterEach
    void close() {
        TENANT.remove();
        MDC.clear();
        StepVerifier.create(bus.close(Duration.ofSeconds(5))).verifyComplete();
        delivery.dispose();
    }

    @Test
    void aSyncHandlerSeesThePublishersThreadLocalsAndMdcOnlyWhileItIsCalled() {
        List<@Nullable String> seen = new CopyOnWriteArrayList<>();
        Logger handlerLog = (Logger) LoggerFactory.getLogger("test.handler");
        ListAppender<ILoggingEvent> lines = new ListAppender<>() {
            @Override
            protected void append(ILoggingEvent line) {
                line.prepareForDeferredProcessing(); // take the MDC now, on the handler's thread
                super.append(line);
            }
        };
        lines.start();
        handlerLog.addAppender(lines);
        handlerLog.setAdditive(false); // no console write on the delivery thread: BlockHound would call it blocking
        bus.subscribe(SubscriberSpec.builder(
                        "audit",
                        PLACED,
                        e -> Mono.fromRunnable(() -> {
                            seen.add(TENANT.get());
                            seen.add(MDC.get("user"));
                            handlerLog.info("handled {}", e.id());
                        }))
                .build());

        publishAs("acme", "ann", PLACED, "o-1");
        StepVerifier.create(bus.whenIdle()).verifyComplete();

        assertThat(seen).containsExactly("acme", "ann");
        assertThat(lines.list).singleElement().satisfies(line -> assertThat(line.getMDCPropertyMap())
                .containsEntry("user", "ann"));
        assertThat(onDeliveryThread(() -> TENANT.get() + "/" + MDC.get("user"))).isEqualTo("null/null");
        handlerLog.detachAppender(lines);
        handlerLog.setAdditive(true);
    }

    @Test
    void anAsyncHandlerSeesTheContextInItsReactorContextButNothingElseOfThePublishersContext() {
        Map<String, Object> seen = new ConcurrentHashMap<>();
        bus.subscribe(SubscriberSpec.builder(
                        "audit", PLACED, e -> Mono.delay(Duration.ofMillis(1)).then(Mono.deferContextual(context -> {
                            context.stream()
                                    .forEach(entry -> seen.put(entry.getKey().toString(), entry.getValue()));
                            return Mono.empty();
                        })))
                .build());

        StepVerifier.create(bus.publish(PLACED, "o-1")
                        .contextWrite(
                                Context.of(Event.CORRELATION_ID, "c-1", TENANT_KEY, "acme", "request", new Object())))
                .expectNextCount(1)
                .verifyComplete();
        StepVerifier.create(bus.whenIdle()).verifyComplete();

        assertThat(seen)
                .containsEntry(TENANT_KEY, "acme")
                .containsEntry(Event.CORRELATION_ID, "c-1")
                .containsKey(Event.CAUSATION_ID)
                .doesNotContainKey("request"); // no accessor has that key: it must not live on in the inbox
    }

    @Test
    void aFluxHandlerSeesTheContextForEveryItem() {
        List<Object> seen = new CopyOnWriteArrayList<>();
        bus.subscribe(SubscriberSpec.builder("audit", PLACED, e -> Flux.range(1, 3)
                        .delayElements(Duration.ofMillis(1))
                        .concatMap(i -> Mono.deferContextual(
                                        context -> Mono.just(context.getOrDefault(TENANT_KEY, "none")))
                                .doOnNext(seen::add)))
                .build());

        publishAs("acme", "ann", PLACED, "o-1");
        StepVerifier.create(bus.whenIdle()).verifyComplete();

        assertThat(seen).containsExactly("acme", "acme", "acme");
    }

    @Test
    void anEventAHandlerPublishesNamesItsCauseAndKeepsTheCorrelationId() {
        List<Event<String>> placed = new CopyOnWriteArrayList<>();
        List<Event<String>> shipped = new CopyOnWriteArrayList<>();
        bus.register(SHIPPED);
        bus.subscribe(SubscriberSpec.<String>builder("shipper", PLACED, e -> {
                    placed.add(e);
                    return bus.publish(SHIPPED, "s-" + e.payload());
                })
                .build());
        bus.subscribe(SubscriberSpec.<String>builder("tracker", SHIPPED, e -> Mono.fromRunnable(() -> shipped.add(e)))
                .build());

        StepVerifier.create(bus.publish(PLACED, "o-1").contextWrite(Context.of(Event.CORRELATION_ID, "c-1")))
                .expectNextCount(1)
                .verifyComplete();
        StepVerifier.create(bus.whenIdle()).verifyComplete();

        assertThat(shipped).singleElement().satisfies(e -> assertThat(e.headers())
                .containsEntry(Event.CORRELATION_ID, "c-1")
                .containsEntry(Event.CAUSATION_ID, placed.get(0).id()));
        assertThat(placed.get(0).headers()).doesNotContainKey(Event.CAUSATION_ID);
    }

    @Test
    void eachEventKeepsItsOwnContextUnderConcurrencyFourOrderedByKeyAcrossRetriesAndTheFallback() {
        int events = 40;
        Map<String, List<String>> seen = new ConcurrentHashMap<>(); // payload -> tenant seen, per call
        Map<String, Integer> calls = new ConcurrentHashMap<>();
        bus.subscribe(SubscriberSpec.<String>builder("billing", PLACED, e -> {
                    record(seen, e, "sync:" + TENANT.get());
                    int call = calls.merge(e.payload(), 1, Integer::sum);
                    boolean poison = e.payload().endsWith("7"); // fails every attempt: its fallback runs
                    return Mono.delay(Duration.ofMillis(1)).then(Mono.deferContextual(context -> {
                        record(seen, e, "async:" + context.getOrDefault(TENANT_KEY, "none"));
                        return call == 1 || poison ? Mono.error(new IOException("flaky")) : Mono.empty();
                    }));
                })
                .policy(TestPolicies.retryOnce("billing"))
                .fallback((e, failure) -> {
                    record(seen, e, "fallback:" + TENANT.get());
                    return Mono.deferContextual(context -> {
                        record(seen, e, "fallback-async:" + context.getOrDefault(TENANT_KEY, "none"));
                        return Mono.empty();
                    });
                })
                .concurrency(4)
                .orderedByKey(true)
                .build());

        for (int i = 0; i < events; i++) {
            TENANT.set("t-" + i);
            StepVerifier.create(bus.publish(PLACED, "k" + i % 4, "o-" + i))
                    .expectNextCount(1)
                    .verifyComplete();
        }
        TENANT.remove();
        StepVerifier.create(bus.whenIdle()).verifyComplete();

        assertThat(seen).hasSize(events);
        seen.forEach((payload, tenants) -> {
            String tenant = "t-" + payload.substring(2);
            List<String> expected = new ArrayList<>(List.of(
                    "sync:" + tenant, "async:" + tenant, "sync:" + tenant, "async:" + tenant)); // first try, retry
            if (payload.endsWith("7")) {
                expected.addAll(List.of("fallback:" + tenant, "fallback-async:" + tenant));
            }
            assertThat(tenants).as(payload).containsExactlyElementsOf(expected);
        });
        assertThat(onDeliveryThread(() -> String.valueOf(TENANT.get()))).isEqualTo("null");
    }

    @Test
    void anEventPublishedWithNothingToCaptureCarriesTheSharedEmptyContext() {
        List<Event<String>> handled = new CopyOnWriteArrayList<>();
        EventBus plain = EventBus.builder()
                .contextRegistry(new ContextRegistry().loadContextAccessors())
                .build();
        plain.subscribe(SubscriberSpec.<String>builder("audit", PLACED, e -> Mono.fromRunnable(() -> handled.add(e)))
                .build());

        StepVerifier.create(plain.publish(PLACED, "o-1")).expectNextCount(1).verifyComplete();
        StepVerifier.create(plain.whenIdle().then(plain.close(Duration.ofSeconds(5))))
                .verifyComplete();

        Event<String> byHand = new Event<>("id", PLACED, null, "o-1", Map.of(), Instant.EPOCH);
        assertThat(handled).singleElement().satisfies(e -> assertThat(e.context())
                .isSameAs(byHand.context()));
    }

    private static void record(Map<String, List<String>> seen, Event<String> e, String what) {
        seen.computeIfAbsent(e.payload(), p -> new CopyOnWriteArrayList<>()).add(what);
    }

    private void publishAs(String tenant, String user, EventType<String> type, String payload) {
        TENANT.set(tenant);
        MDC.put("user", user);
        try {
            StepVerifier.create(bus.publish(type, payload)).expectNextCount(1).verifyComplete();
        } finally {
            TENANT.remove();
            MDC.remove("user");
        }
    }

    /** Run {@code what} on the bus's delivery thread, after whatever ran there before. */
    private String onDeliveryThread(Callable<String> what) {
        return Mono.fromCallable(what).subscribeOn(delivery).block(Duration.ofSeconds(5));
    }
}
