package dev.sluice.bus;

import dev.sluice.bus.spi.Appended;
import dev.sluice.bus.spi.ConsumerSpec;
import dev.sluice.bus.spi.EventTransport;
import dev.sluice.bus.spi.Received;
import dev.sluice.bus.spi.TransportConsumer;
import dev.sluice.bus.spi.Undecodable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * An in-memory {@link EventTransport} for the bus's tests: partition lists instead of streams, one consumer group per
 * subscriber with a cursor per partition, and hooks to see and steer what the bus does (reads and their sizes, acks,
 * releases, fencing, failures, manual reads). Not a model of Redis: the transport's own tests use real Redis.
 */
final class FakeTransport implements EventTransport {

    /** A partition entry as the fake hands it to the bus. */
    record Entry<T>(
            int partition,
            String entryId,
            @Nullable Event<T> event,
            @Nullable Undecodable undecodable,
            int deliveryFailures)
            implements Received<T> {}

    /** What happened, in order: "append:<entry>", "read:<room>", "ack:<entry>", "release:<entry>", and the tests' own. */
    final Queue<String> journal = new ConcurrentLinkedQueue<>();

    final List<EventType<?>> declared = new CopyOnWriteArrayList<>();
    final List<String> appendedEventIds = new CopyOnWriteArrayList<>();
    final AtomicInteger appendAllCalls = new AtomicInteger();
    final Map<String, FakeConsumer<?>> consumers = new ConcurrentHashMap<>();
    private final Map<String, List<List<Entry<?>>>> streams = new ConcurrentHashMap<>();
    private final Sinks.Many<Boolean> appended = Sinks.many().multicast().directBestEffort();
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicInteger roundRobin = new AtomicInteger();
    private volatile @Nullable Mono<Void> declaration; // null: declare at once
    /** Whether new consumers' reads wait for the test to answer them ({@link FakeConsumer#answerRead()}). */
    volatile boolean manualByDefault;

    private volatile @Nullable RuntimeException appendError;

    /** Make every declare wait for (and end as) {@code declaration}. */
    void declareWith(Mono<Void> declaration) {
        this.declaration = declaration;
    }

    /** Make appends fail with {@code error} (null: succeed again). */
    void failAppends(@Nullable RuntimeException error) {
        this.appendError = error;
    }

    @Override
    public Mono<Void> declare(EventType<?> type) {
        return Mono.defer(() -> {
            Mono<Void> waitFor = declaration;
            return (waitFor == null ? Mono.<Void>empty() : waitFor).doOnSuccess(ok -> {
                declared.add(type);
                partitionsOf(type);
            });
        });
    }

    private List<List<Entry<?>>> partitionsOf(EventType<?> type) {
        return streams.computeIfAbsent(type.name(), name -> {
            int count = type.durability() == null ? 1 : type.durability().partitions();
            List<List<Entry<?>>> partitions = new ArrayList<>();
            for (int p = 0; p < count; p++) {
                partitions.add(new CopyOnWriteArrayList<>());
            }
            return partitions;
        });
    }

    /** Return every entry of {@code type}'s partitions, partition by partition. */
    List<Entry<?>> entries(EventType<?> type) {
        List<Entry<?>> all = new ArrayList<>();
        partitionsOf(type).forEach(all::addAll);
        return all;
    }

    @Override
    public <T> Mono<Appended> append(Event<T> event) {
        return Mono.fromCallable(() -> {
            RuntimeException error = appendError;
            List<List<Entry<?>>> partitions = partitionsOf(event.type());
            String key = event.key();
            int partition = key == null
                    ? Math.floorMod(roundRobin.getAndIncrement(), partitions.size())
                    : Math.floorMod(key.hashCode(), partitions.size());
            if (error != null) {
                throw new PublishFailedException(event.type().name(), partition, error);
            }
            return add(event.type(), new Entry<>(partition, nextId(), event, null, 0));
        });
    }

    /** Put {@code entry} (any partition, entry id, delivery failures) into {@code type}'s stream, as if appended. */
    <T> Appended add(EventType<?> type, Entry<T> entry) {
        partitionsOf(type).get(entry.partition()).add(entry);
        journal.add("append:" + entry.entryId());
        if (entry.event() != null) {
            appendedEventIds.add(entry.event().id());
        }
        appended.tryEmitNext(true);
        return new Appended(
                entry.event() == null ? "undecodable" : entry.event().id(), entry.partition(), entry.entryId());
    }

    String nextId() {
        return "1700000000000-" + sequence.incrementAndGet();
    }

    @Override
    public <T> Flux<Appended> appendAll(Publisher<Event<T>> events) {
        appendAllCalls.incrementAndGet();
        return Flux.from(events).concatMap(this::append);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> TransportConsumer<T> consumer(ConsumerSpec<T> spec) {
        FakeConsumer<T> consumer = new FakeConsumer<>(spec);
        FakeConsumer<?> before = consumers.putIfAbsent(spec.subscriber(), consumer);
        if (before != null && !before.closed) {
            throw new IllegalStateException("a consumer of '" + spec.subscriber() + "' exists");
        }
        consumers.put(spec.subscriber(), consumer);
        return consumer;
    }

    /** Return the consumer of {@code subscriber}. */
    @SuppressWarnings("unchecked")
    <T> FakeConsumer<T> consumer(String subscriber) {
        return (FakeConsumer<T>) consumers.get(subscriber);
    }

    @Override
    public SubscriberHealth health() {
        return SubscriberHealth.healthy();
    }

    @Override
    public Mono<Void> close() {
        return Mono.empty();
    }

    /** One subscriber's consumer: reads its group's cursor on every partition. */
    final class FakeConsumer<T> implements TransportConsumer<T> {
        final ConsumerSpec<T> spec;
        final List<Integer> rooms = new CopyOnWriteArrayList<>();
        final List<String> acked = new CopyOnWriteArrayList<>();
        final List<String> released = new CopyOnWriteArrayList<>();
        final Set<Integer> fenced = ConcurrentHashMap.newKeySet();
        final AtomicInteger outstanding = new AtomicInteger(); // read, not yet acked or released
        final AtomicInteger mostOutstanding = new AtomicInteger();
        final AtomicInteger ackFailures = new AtomicInteger(); // fail this many acks before succeeding
        final Queue<Sinks.One<Boolean>> manualReads = new ConcurrentLinkedQueue<>();
        volatile boolean manual = manualByDefault; // reads wait for the test to answer them
        volatile int inboxSize = Integer.MAX_VALUE; // what the bus may hold: a read beyond it is recorded
        volatile boolean overread;
        volatile boolean closed;
        volatile SubscriberHealth health = SubscriberHealth.healthy();
        private volatile int @Nullable [] cursors;

        FakeConsumer(ConsumerSpec<T> spec) {
            this.spec = spec;
        }

        @Override
        public Mono<List<Received<T>>> read(int room) {
            cursors(); // the first read joins the group: at the newest entry unless asked for the oldest
            rooms.add(room);
            journal.add("read:" + room);
            if (room < 1 || outstanding.get() + room > inboxSize) {
                overread = true;
            }
            Mono<Boolean> ready;
            if (manual) {
                Sinks.One<Boolean> answer = Sinks.one();
                manualReads.add(answer);
                ready = answer.asMono();
            } else {
                ready = Mono.defer(() -> available()
                        ? Mono.just(true)
                        : appended.asFlux().next().timeout(Duration.ofMillis(20), Mono.just(false)));
            }
            return ready.map(ok -> take(room));
        }

        /** Answer the oldest read waiting in manual mode with what there is. */
        void answerRead() {
            Sinks.One<Boolean> answer = manualReads.poll();
            if (answer == null) {
                throw new IllegalStateException("no read is waiting");
            }
            answer.tryEmitValue(true);
        }

        private synchronized int[] cursors() {
            int[] now = cursors;
            if (now == null) {
                List<List<Entry<?>>> partitions = partitionsOf(spec.type());
                now = new int[partitions.size()];
                if (spec.start() == StartPosition.NEWEST) {
                    for (int p = 0; p < now.length; p++) {
                        now[p] = partitions.get(p).size();
                    }
                }
                cursors = now;
            }
            return now;
        }

        private synchronized boolean available() {
            int[] at = cursors();
            List<List<Entry<?>>> partitions = partitionsOf(spec.type());
            for (int p = 0; p < at.length; p++) {
                if (at[p] < partitions.get(p).size()) {
                    return true;
                }
            }
            return false;
        }

        @SuppressWarnings("unchecked")
        private synchronized List<Received<T>> take(int room) {
            int[] at = cursors();
            List<List<Entry<?>>> partitions = partitionsOf(spec.type());
            List<Received<T>> taken = new ArrayList<>();
            for (int p = 0; p < at.length && taken.size() < room; p++) {
                List<Entry<?>> stream = partitions.get(p);
                while (at[p] < stream.size() && taken.size() < room) {
                    taken.add((Received<T>) stream.get(at[p]++));
                }
            }
            mostOutstanding.accumulateAndGet(outstanding.addAndGet(taken.size()), Math::max);
            return taken;
        }

        @Override
        public boolean mayStart(Received<T> entry) {
            return !fenced.contains(entry.partition());
        }

        @Override
        public Mono<Void> ack(Received<T> entry) {
            return Mono.defer(() -> {
                if (ackFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    return Mono.error(new IllegalStateException("ack refused by the test"));
                }
                acked.add(entry.entryId());
                outstanding.decrementAndGet();
                journal.add("ack:" + entry.entryId());
                return Mono.empty();
            });
        }

        @Override
        public void release(Received<T> entry) {
            released.add(entry.entryId());
            outstanding.decrementAndGet();
            journal.add("release:" + entry.entryId());
        }

        @Override
        public SubscriberHealth health() {
            return health;
        }

        @Override
        public Mono<Void> close() {
            return Mono.fromRunnable(() -> {
                closed = true;
                journal.add("close:" + spec.subscriber());
            });
        }
    }
}
